package io.dosqlite.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lock file a local page server keeps in its data directory ({@code server.lock}, written by
 * page-server/scripts/serve.mjs): which process serves the directory, at which URL.
 */
final class LocalServerLock {
    private static final Pattern PID = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)");
    private static final Pattern URL = Pattern.compile("\"url\"\\s*:\\s*\"([^\"]+)\"");

    private LocalServerLock() {
    }

    /** The URL of the page server running on {@code dataDir}, or null if none is. */
    static String runningServer(Path dataDir) {
        try {
            String lock = Files.readString(dataDir.resolve("server.lock"), StandardCharsets.UTF_8);
            Matcher pid = PID.matcher(lock);
            Matcher url = URL.matcher(lock);
            if (!pid.find() || !url.find()) {
                return null;
            }
            boolean alive = ProcessHandle.of(Long.parseLong(pid.group(1))).map(ProcessHandle::isAlive).orElse(false);
            return alive ? url.group(1) : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}
