package io.dosqlite.jdbc;

import java.net.URI;
import java.util.Locale;

/**
 * Whether a page server URL names this machine, judged from the URL's text alone: a name lookup
 * could block a connection on DNS, and a host name that resolves to a loopback address is rare
 * enough to be left to {@code compress=false}.
 */
final class LoopbackHost {

    private LoopbackHost() {
    }

    static boolean isLoopback(String serverUrl) {
        String host;
        try {
            host = URI.create(serverUrl).getHost();
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (host == null) {
            return false;
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return host.equals("localhost") || host.endsWith(".localhost") || host.equals("::1")
                || host.equals("0:0:0:0:0:0:0:1") || host.matches("127(\\.\\d{1,3}){3}");
    }
}
