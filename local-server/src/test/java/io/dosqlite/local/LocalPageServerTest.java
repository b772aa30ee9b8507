package io.dosqlite.local;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class LocalPageServerTest {

    static Path dir() throws IOException {
        Path d = LocalPageServer.findPageServerDir();
        Assumptions.assumeTrue(Files.isRegularFile(d.resolve("scripts/serve.mjs")), "no serve.mjs yet");
        return d;
    }

    @Test
    void startsOnAFreePortAndStopsWorkerdOnClose(@TempDir Path data) throws Exception {
        LocalPageServer s = LocalPageServer.start(dir(), data, "tok", 0);
        long pid;
        try {
            assertTrue(s.url().startsWith("http://127.0.0.1:"), s.url());
            pid = s.workerdPid();
            assertTrue(pid > 0);
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            ping(s.url(), "tok");
        } finally {
            s.close();
            s.close(); // idempotent
        }
        assertFalse(s.isAlive());
        Optional<ProcessHandle> w = ProcessHandle.of(pid);
        assertTrue(w.isEmpty() || !w.get().isAlive(), "workerd stopped");
    }

    /** One authenticated request that must succeed (this module cannot use the page-store client). */
    static void ping(String url, String token) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(url + "/v1/databases"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(2)).build();
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(get, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET /v1/databases answered " + r.statusCode() + ": " + r.body());
        }
    }

    @Test
    void failureToStartReportsTheChildsOutput(@TempDir Path data) throws Exception {
        IOException e = assertThrows(IOException.class,
                () -> LocalPageServer.start(dir(), data, "tok", 0, List.of("--no-such-option")));
        assertTrue(e.getMessage().contains("--no-such-option"), e.getMessage());
        assertTrue(e.getMessage().contains("exited with code"), e.getMessage());
    }

    @Test
    void missingScriptIsAClearError(@TempDir Path empty) {
        IOException e = assertThrows(IOException.class, () -> LocalPageServer.start(empty, empty, "t", 0));
        assertTrue(e.getMessage().contains(LocalPageServer.DIR_PROPERTY), e.getMessage());
    }
}
