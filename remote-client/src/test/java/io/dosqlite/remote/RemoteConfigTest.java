package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class RemoteConfigTest {

    static PageStoreException.Kind kindOf(RemoteConfig.Builder b) {
        return assertThrows(PageStoreException.class, b::build).kind();
    }

    @Test
    void defaultsAndRoundTrip() throws Exception {
        RemoteConfig c = RemoteConfig.builder("http://127.0.0.1:8787", "mydb").token("t").build();
        assertEquals("http://127.0.0.1:8787", c.baseUrl());
        assertEquals("mydb", c.database());
        assertEquals(4096, c.pageSizeForNew());
        assertEquals(RemoteConfig.PROTOCOL_MAX_BODY, c.maxRequestBytes());
        assertFalse(c.toString().contains("t}"), "token never printed");
        assertTrue(c.toString().contains("***"));
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    void rejectsBadInputWithClearMessages() {
        assertEquals(PageStoreException.Kind.INVALID, kindOf(RemoteConfig.builder("ftp://x", "db")));
        assertEquals(PageStoreException.Kind.INVALID, kindOf(RemoteConfig.builder("", "db")));
        assertEquals(PageStoreException.Kind.INVALID, kindOf(RemoteConfig.builder("http://h", "bad/name")));
        assertEquals(PageStoreException.Kind.INVALID, kindOf(RemoteConfig.builder("http://h", "-x")));
        assertEquals(PageStoreException.Kind.INVALID, kindOf(RemoteConfig.builder("http://h", "a".repeat(64))));
        assertEquals(PageStoreException.Kind.INVALID, kindOf(RemoteConfig.builder("http://h", "db").pageSizeForNew(1000)));
        assertEquals(PageStoreException.Kind.INVALID, kindOf(RemoteConfig.builder("http://h", "db").pageSizeForNew(131072)));
        assertEquals(PageStoreException.Kind.INVALID, kindOf(RemoteConfig.builder("http://h", "db").cacheBytes(-1)));
        assertEquals(PageStoreException.Kind.INVALID, kindOf(RemoteConfig.builder("http://h", "db").maxRetries(-1)));
        assertEquals(PageStoreException.Kind.INVALID, kindOf(RemoteConfig.builder("http://h", "db").readTimeout(Duration.ofSeconds(-1))));
        assertEquals(PageStoreException.Kind.INVALID, kindOf(RemoteConfig.builder("http://h", "db").maxRequestBytes(100)));
        String msg = assertThrows(PageStoreException.class, () -> RemoteConfig.builder("http://h", "bad name").build()).getMessage();
        assertTrue(msg.contains("1-63"), msg);
    }

    @Test
    void pathPrefixKept() throws Exception {
        RemoteConfig c = RemoteConfig.builder("https://example.com/pages/", "a.b_c-1").build();
        assertEquals("https://example.com/pages", c.baseUrl());
        assertEquals("https://example.com/pages/", c.httpUrl().toString());
    }
}
