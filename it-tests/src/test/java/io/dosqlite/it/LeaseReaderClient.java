package io.dosqlite.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;

/**
 * Runs in a separate JVM holding a read lease: for every line "read" (or "read ID") on stdin it runs
 * one autocommit SELECT of counter row 1 (or ID) and prints "n <value> <requests so far>"; "quit" ends it.
 * Usage: LeaseReaderClient URL TOKEN (push faults through -Ddosqlite.test.pushFaults=...).
 */
public final class LeaseReaderClient {
    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("token", args[1]);
        p.setProperty("leases", "true");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        try (Connection c = DriverManager.getConnection(args[0], p); Statement s = c.createStatement()) {
            var stats = c.unwrap(io.dosqlite.jdbc.DosqliteConnection.class);
            System.out.println("ready");
            System.out.flush();
            for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
                int id = line.startsWith("read ") ? Integer.parseInt(line.substring(5).trim()) : 1;
                try (ResultSet rs = s.executeQuery("SELECT n FROM counter WHERE id = " + id)) {
                    rs.next();
                    System.out.println("n " + rs.getInt(1) + " " + stats.statistics().requests());
                }
                System.out.flush();
            }
        }
    }
}
