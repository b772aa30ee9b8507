package io.dosqlite.remote;

import okhttp3.Headers;

/** A fully read HTTP answer: status, headers, body bytes. */
record Answer(int code, Headers headers, byte[] body) {

    boolean ok() {
        return code >= 200 && code < 300;
    }

    String header(String name) {
        return headers.get(name);
    }
}
