package io.dosqlite.remote;

import okhttp3.Interceptor;
import okhttp3.Response;

import java.io.IOException;

/** Adds {@code Authorization: Bearer <token>} to every request (nothing if no token is set). */
final class BearerAuth implements Interceptor {

    private final String header;

    BearerAuth(String token) {
        this.header = token == null ? null : "Bearer " + token;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        if (header == null) {
            return chain.proceed(chain.request());
        }
        return chain.proceed(chain.request().newBuilder().header("Authorization", header).build());
    }
}
