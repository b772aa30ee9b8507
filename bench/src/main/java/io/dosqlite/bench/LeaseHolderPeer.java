package io.dosqlite.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

/**
 * Another JVM of {@link LeaseHolders}: holds a read lease on one database by reading a row every
 * 250 ms (an idle client would let it lapse), and on the line "update" commits a 1-row UPDATE and
 * answers "ok". Prints "ready" once it holds its lease; stdin closed or "quit" ends it.
 * Usage: LeaseHolderPeer URL TOKEN
 */
public final class LeaseHolderPeer {
    private LeaseHolderPeer() {
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("token", args[1]);
        p.setProperty("leases", "true");
        p.setProperty("compress", "true"); // stands for a page server on another machine (Main)
        try (Connection c = DriverManager.getConnection(args[0], p); Statement s = c.createStatement()) {
            read(s);
            Thread reader = new Thread(() -> {
                try (Connection rc = DriverManager.getConnection(args[0], p); Statement rs = rc.createStatement()) {
                    while (!Thread.currentThread().isInterrupted()) {
                        read(rs);
                        Thread.sleep(250);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    System.err.println("holder: " + e);
                }
            }, "holder-reads");
            reader.setDaemon(true);
            reader.start();
            System.out.println("ready");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            int n = 0;
            for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
                if (line.equals("update")) {
                    s.executeUpdate("UPDATE accounts SET abalance = abalance + 1 WHERE aid = " + (1 + (n++ % 7)));
                    System.out.println("ok");
                    System.out.flush();
                }
            }
            reader.interrupt();
        }
        System.exit(0);
    }

    private static void read(Statement s) throws Exception {
        try (ResultSet r = s.executeQuery("SELECT abalance FROM accounts WHERE aid = 1")) {
            r.next();
        }
    }
}
