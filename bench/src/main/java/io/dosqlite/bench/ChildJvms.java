package io.dosqlite.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Writer JVMs of the benchmark, started together: each child prints READY once connected and warm,
 * starts on a line on stdin (so every child runs in the same window), and ends with one line
 * {@code DONE n1 n2 ...}.
 */
final class ChildJvms {
    private ChildJvms() {
    }

    /** Runs one child per argument list and answers each child's DONE numbers, summed field by field. */
    static long[] run(Class<?> main, List<String[]> argsPerJvm) throws Exception {
        List<Process> ps = new ArrayList<>();
        List<BufferedReader> outs = new ArrayList<>();
        long[] sums = new long[0];
        try {
            for (String[] args : argsPerJvm) {
                List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx512m", "-cp", System.getProperty("java.class.path"), main.getName()));
                cmd.addAll(List.of(args));
                ProcessBuilder pb = new ProcessBuilder(cmd);
                pb.redirectError(ProcessBuilder.Redirect.DISCARD);
                Process p = pb.start();
                ps.add(p);
                outs.add(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
            }
            for (BufferedReader r : outs) {
                for (String line; (line = r.readLine()) != null && !line.equals("READY"); ) {
                    // startup noise
                }
            }
            for (Process p : ps) {
                OutputStream o = p.getOutputStream();
                o.write("GO\n".getBytes(StandardCharsets.UTF_8));
                o.flush();
            }
            for (BufferedReader r : outs) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("DONE ")) {
                        String[] f = line.substring(5).split(" ");
                        if (sums.length < f.length) {
                            sums = java.util.Arrays.copyOf(sums, f.length);
                        }
                        for (int i = 0; i < f.length; i++) {
                            sums[i] += Long.parseLong(f[i]);
                        }
                    }
                }
            }
            return sums;
        } finally {
            for (Process p : ps) {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
