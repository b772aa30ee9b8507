package io.dosqlite.it.reliability;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One writer JVM of {@link NeighbourWritersTest}: {@code URL TOKEN LO HI SECONDS THREADS LEASES DEPTH}.
 * Its threads run autocommit {@code UPDATE n SET v = v + 1} on random rows LO..HI for SECONDS after
 * a line on stdin, then it prints {@code DONE acknowledged errors}.
 */
public final class NeighbourWriterClient {
    private NeighbourWriterClient() {
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("token", args[1]);
        p.setProperty("leases", args[6]);
        p.setProperty("pipelineDepth", args[7]);
        int lo = Integer.parseInt(args[2]);
        int hi = Integer.parseInt(args[3]);
        long runNanos = (long) (Double.parseDouble(args[4]) * 1e9);
        int threads = Integer.parseInt(args[5]);
        AtomicLong acked = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<Connection> conns = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Connection c = DriverManager.getConnection(args[0], p);
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT sum(v) FROM n WHERE id BETWEEN " + lo + " AND " + hi)) {
                rs.next(); // a warm cache, as a running application's
            }
            conns.add(c);
        }
        System.out.println("READY");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        long deadline = System.nanoTime() + runNanos;
        List<Thread> ts = new ArrayList<>();
        for (Connection c : conns) {
            Thread th = new Thread(() -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE n SET v = v + 1 WHERE id = ?")) {
                    while (System.nanoTime() < deadline) {
                        ps.setInt(1, ThreadLocalRandom.current().nextInt(lo, hi + 1));
                        try {
                            if (ps.executeUpdate() == 1) {
                                acked.incrementAndGet();
                            }
                        } catch (SQLException e) {
                            errors.incrementAndGet();
                        }
                    }
                } catch (SQLException e) {
                    errors.incrementAndGet();
                }
            });
            th.start();
            ts.add(th);
        }
        for (Thread th : ts) {
            th.join();
        }
        for (Connection c : conns) {
            c.close();
        }
        System.out.println("DONE " + acked.get() + " " + errors.get());
        System.out.flush();
        System.exit(0);
    }
}
