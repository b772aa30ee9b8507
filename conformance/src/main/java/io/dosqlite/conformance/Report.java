package io.dosqlite.conformance;

import java.util.Map;
import java.util.TreeMap;

/** The comparison of the two runs: counts, and every test whose outcome differs, with its reason. */
final class Report {
    private final Map<String, String[]> plain;
    private final Map<String, String[]> dosqlite;
    private final Conformance.Suite suite;
    private final Map<String, String> regressions = new TreeMap<>();
    private final Map<String, String> notApplicable = new TreeMap<>();

    Report(Map<String, String[]> plain, Map<String, String[]> dosqlite, Conformance.Suite suite) {
        this.plain = plain;
        this.dosqlite = dosqlite;
        this.suite = suite;
        for (String test : dosqlite.keySet()) {
            String reason = NotApplicable.reason(test);
            if (reason != null) {
                notApplicable.put(test, reason);
            } else if (passed(plain, test) && !passed(dosqlite, test)) {
                regressions.put(test, dosqlite.get(test)[1]);
            }
        }
    }

    /** Applicable tests that pass on sqlite-jdbc and not on dosqlite, with their failure. */
    Map<String, String> regressions() {
        return regressions;
    }

    private static boolean passed(Map<String, String[]> run, String test) {
        return run.containsKey(test) && run.get(test)[0].equals("PASSED");
    }

    private static int count(Map<String, String[]> run, String outcome) {
        return (int) run.values().stream().filter(v -> v[0].equals(outcome)).count();
    }

    private int passedApplicable(Map<String, String[]> run) {
        return (int) run.keySet().stream().filter(t -> passed(run, t) && !notApplicable.containsKey(t)).count();
    }

    String markdown(String commit) {
        StringBuilder sb = new StringBuilder();
        sb.append("# sqlite-jdbc's suite on dosqlite\n\n");
        sb.append("Suite: sqlite-jdbc test sources at commit `").append(commit).append("`; ")
                .append(suite.selected().size()).append(" test classes that open connections through DriverManager.\n\n");
        sb.append("| | tests | passed | failed | skipped by the suite | not applicable | applicable passed |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        row(sb, "plain sqlite-jdbc", plain);
        row(sb, "dosqlite", dosqlite);
        sb.append("\nApplicable tests that pass on plain sqlite-jdbc and fail on dosqlite: ")
                .append(regressions.size()).append("\n");
        regressions.forEach((t, m) -> sb.append("- `").append(t).append("`: ").append(m).append('\n'));
        sb.append("\n## Not applicable on dosqlite (").append(notApplicable.size()).append(")\n\n");
        sb.append("| test | on sqlite-jdbc | on dosqlite | why it cannot apply |\n| --- | --- | --- | --- |\n");
        notApplicable.forEach((t, why) -> sb.append("| `").append(t).append("` | ")
                .append(plain.containsKey(t) ? plain.get(t)[0] : "-").append(" | ")
                .append(dosqlite.get(t)[0]).append(" | ").append(why).append(" |\n"));
        sb.append("\n## Test classes not run (").append(suite.notSelected().size()).append(")\n\n");
        suite.notSelected().forEach((c, why) -> sb.append("- `").append(c).append("`: ").append(why).append('\n'));
        sb.append("\n## Failing on plain sqlite-jdbc too\n\n");
        plain.forEach((t, v) -> {
            if (!v[0].equals("PASSED") && !v[0].equals("SKIPPED")) {
                sb.append("- `").append(t).append("` (dosqlite: ")
                        .append(dosqlite.containsKey(t) ? dosqlite.get(t)[0] : "-").append("): ").append(v[1]).append('\n');
            }
        });
        return sb.toString();
    }

    private void row(StringBuilder sb, String name, Map<String, String[]> run) {
        int na = (int) run.keySet().stream().filter(notApplicable::containsKey).count();
        sb.append("| ").append(name).append(" | ").append(run.size()).append(" | ").append(count(run, "PASSED"))
                .append(" | ").append(count(run, "FAILED") + count(run, "ABORTED")).append(" | ")
                .append(count(run, "SKIPPED")).append(" | ").append(na).append(" | ")
                .append(passedApplicable(run)).append(" |\n");
    }
}
