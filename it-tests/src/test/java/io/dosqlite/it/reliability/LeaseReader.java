package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.it.LeaseReaderClient;
import io.dosqlite.testsupport.TestPageServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A reader JVM holding a read lease ({@link LeaseReaderClient}), driven line by line. */
final class LeaseReader implements AutoCloseable {
    final Process process;
    private final PrintWriter out;
    private final BufferedReader in;

    LeaseReader(String jdbcUrl) throws IOException {
        process = Rel.startJvm(LeaseReaderClient.class, jdbcUrl, TestPageServer.TOKEN);
        out = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String first = in.readLine();
        assertEquals("ready", first, () -> "reader JVM did not start: " + Rel.stderrOf(process));
    }

    /** {value of counter row 1, requests the reader made so far} from one autocommit SELECT. */
    long[] read() throws IOException {
        out.println("read");
        String line = in.readLine();
        assertTrue(line != null && line.startsWith("n "), () -> "reader said " + line + ": " + Rel.stderrOf(process));
        String[] p = line.split(" ");
        return new long[] {Long.parseLong(p[1]), Long.parseLong(p[2])};
    }

    @Override
    public void close() throws Exception {
        out.println("quit");
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
