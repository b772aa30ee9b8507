package io.dosqlite.conformance;

import io.dosqlite.local.LocalPageServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Runs sqlite-jdbc's own JUnit suite, compiled from the user's checkout, twice — on plain
 * sqlite-jdbc and with every {@code jdbc:sqlite:} connection redirected to dosqlite
 * ({@link RedirectingDriver}) — each in a JVM of its own, and compares the outcomes:
 * {@code OUT/plain.tsv}, {@code OUT/dosqlite.tsv}, {@code OUT/summary.md}. Exits 1 if a test that
 * passes on plain sqlite-jdbc and can apply ({@link NotApplicable}) fails on dosqlite.
 *
 * <pre>java -cp … io.dosqlite.conformance.Conformance SQLITE_JDBC_SRC OUT [CLASS_FILTER|all]</pre>
 */
public final class Conformance {
    private Conformance() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 1 && args[0].equals("--run")) {
            runHere(args[1], Paths.get(args[2]), Arrays.asList(args).subList(3, args.length));
            return;
        }
        if (args.length < 2) {
            System.err.println("usage: Conformance SQLITE_JDBC_SRC OUT_DIR [CLASS_FILTER|all]");
            System.exit(2);
        }
        Path src = Paths.get(args[0]).toAbsolutePath();
        Path out = Paths.get(args[1]).toAbsolutePath();
        String filter = args.length > 2 && !args[2].isBlank() && !args[2].equals("all") ? args[2] : null;
        Suite suite = Suite.scan(src, filter);
        System.out.println("conformance: " + suite.selected().size() + " test classes of " + src
                + " open connections through DriverManager; " + suite.notSelected().size() + " do not");
        int plain = child("plain", out.resolve("plain.tsv"), suite.selected());
        int dosqlite = child("dosqlite", out.resolve("dosqlite.tsv"), suite.selected());
        if (plain != 0 || dosqlite != 0) {
            throw new IllegalStateException("a suite run crashed (exit " + plain + ", " + dosqlite + ")");
        }
        Report report = new Report(SuiteRun.read(out.resolve("plain.tsv")), SuiteRun.read(out.resolve("dosqlite.tsv")),
                suite);
        String md = report.markdown(suite.commit());
        Files.writeString(out.resolve("summary.md"), md);
        System.out.println(md);
        if (!report.regressions().isEmpty()) {
            System.err.println("conformance: " + report.regressions().size()
                    + " applicable test(s) pass on sqlite-jdbc but fail on dosqlite: " + report.regressions().keySet());
            System.exit(1);
        }
    }

    /** One backend's run in a JVM of its own, so the two runs share no static state. */
    private static int child(String mode, Path out, List<String> classes) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        String dir = System.getProperty(LocalPageServer.DIR_PROPERTY);
        if (dir != null) {
            cmd.add("-D" + LocalPageServer.DIR_PROPERTY + "=" + dir);
        }
        cmd.addAll(List.of(Conformance.class.getName(), "--run", mode, out.toString()));
        cmd.addAll(classes);
        System.out.println("conformance: running the suite on " + mode);
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    private static void runHere(String mode, Path out, List<String> classes) throws Exception {
        if (mode.equals("plain")) {
            SuiteRun.run(classes, out);
            return;
        }
        String token = "conformance-" + UUID.randomUUID();
        Path data = Files.createTempDirectory("dosqlite-conformance-");
        try (LocalPageServer server = LocalPageServer.start(LocalPageServer.findPageServerDir(), data, token, 0)) {
            RedirectingDriver.install(server.url(), token);
            SuiteRun.run(classes, out);
        }
        System.exit(0); // the suite may leave non-daemon threads behind
    }

    /** The suite's test classes, split by whether they open connections through DriverManager. */
    record Suite(List<String> selected, Map<String, String> notSelected, String commit) {
        static Suite scan(Path src, String filter) throws IOException {
            Path root = src.resolve("src/test/java");
            List<String> selected = new ArrayList<>();
            Map<String, String> notSelected = new TreeMap<>();
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith("Test.java")).sorted()::iterator) {
                    String cls = root.relativize(f).toString().replace('/', '.').replaceAll("\\.java$", "");
                    if (filter != null && !cls.contains(filter)) {
                        continue;
                    }
                    if (Files.readString(f).contains("DriverManager.getConnection")) {
                        selected.add(cls);
                    } else {
                        notSelected.put(cls.substring(cls.lastIndexOf('.') + 1), NotApplicable.whyNotSelected(cls));
                    }
                }
            }
            return new Suite(selected, notSelected, commitOf(src));
        }

        private static String commitOf(Path src) {
            Path marker = src.resolve(".commit");
            try {
                if (Files.isRegularFile(marker)) {
                    return Files.readString(marker).trim();
                }
                Process p = new ProcessBuilder("git", "-C", src.toString(), "rev-parse", "HEAD").start();
                String s = new String(p.getInputStream().readAllBytes()).trim();
                return p.waitFor() == 0 && !s.isEmpty() ? s : "unknown (no .commit file, not a git checkout)";
            } catch (IOException | InterruptedException e) {
                return "unknown";
            }
        }
    }
}
