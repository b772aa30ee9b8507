package io.dosqlite.remote;

import okhttp3.OkHttpClient;

import java.util.concurrent.TimeUnit;

/**
 * The one {@link OkHttpClient} of the JVM: its connection pool and dispatcher are shared by every
 * store; each store derives its own client with {@link OkHttpClient#newBuilder()} (timeouts, token).
 */
final class SharedHttp {

    private static final OkHttpClient ROOT = new OkHttpClient.Builder()
            .retryOnConnectionFailure(false)
            .followRedirects(false)
            // TCP_NODELAY: OkHttp writes a request body in 8 KiB segments; with Nagle's algorithm the
            // last one waits for the ACK of the previous one, which the server delays (~40 ms): every
            // commit of 2+ pages paid that. See docs/benchmarks.md.
            .socketFactory(new NoDelaySocketFactory())
            .build();

    private SharedHttp() {
    }

    static OkHttpClient forStore(RemoteConfig config) {
        return ROOT.newBuilder()
                .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .writeTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .callTimeout(config.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
                // non-idempotent commits must never be re-sent behind our back (invariant 3)
                .retryOnConnectionFailure(false)
                .addInterceptor(new BearerAuth(config.token()))
                .build();
    }
}
