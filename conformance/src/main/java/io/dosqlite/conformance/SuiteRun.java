package io.dosqlite.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * One run of the suite's classes in this JVM through the JUnit Platform launcher: the outcome of
 * every test, by {@code Class.method[ invocation]}, written one per line as
 * {@code OUTCOME<TAB>test<TAB>first line of the failure}.
 */
final class SuiteRun implements TestExecutionListener {
    /** What became of each test; a test never started (its class failed to set up) is FAILED. */
    enum Outcome { PASSED, FAILED, ABORTED, SKIPPED }

    private final Map<String, Outcome> outcomes = new TreeMap<>();
    private final Map<String, String> messages = new TreeMap<>();
    private final Map<String, String> containerFailures = new TreeMap<>();
    private TestPlan plan;

    static void run(List<String> classes, Path out) throws IOException {
        LauncherDiscoveryRequestBuilder b = LauncherDiscoveryRequestBuilder.request()
                // a test that hangs on one backend must not stop the run
                .configurationParameter("junit.jupiter.execution.timeout.default", "180 s");
        for (String c : classes) {
            b.selectors(DiscoverySelectors.selectClass(c));
        }
        LauncherDiscoveryRequest request = b.build();
        SuiteRun listener = new SuiteRun();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, listener);
        listener.write(out);
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        List<TestIdentifier> all = new ArrayList<>();
        for (TestIdentifier root : testPlan.getRoots()) {
            all.addAll(testPlan.getDescendants(root));
        }
        for (TestIdentifier t : all) {
            if (t.isTest()) {
                outcomes.put(name(t), Outcome.FAILED);
                messages.put(name(t), "never ran (its class failed)");
            }
        }
    }

    @Override
    public void executionStarted(TestIdentifier t) {
        RedirectingDriver.scope(t.getUniqueId());
    }

    @Override
    public void dynamicTestRegistered(TestIdentifier t) {
        // parameterized invocations are tests that were not in the plan
    }

    @Override
    public void executionSkipped(TestIdentifier t, String reason) {
        if (t.isTest()) {
            outcomes.put(name(t), Outcome.SKIPPED);
            messages.put(name(t), reason);
        } else {
            for (TestIdentifier d : plan.getDescendants(t)) {
                if (d.isTest()) {
                    outcomes.put(name(d), Outcome.SKIPPED);
                    messages.put(name(d), reason);
                }
            }
        }
    }

    @Override
    public void executionFinished(TestIdentifier t, TestExecutionResult result) {
        String message = result.getThrowable().map(SuiteRun::firstLine).orElse("");
        if (!t.isTest()) {
            if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                containerFailures.put(t.getDisplayName(), message);
                for (TestIdentifier d : plan.getDescendants(t)) {
                    if (d.isTest() && outcomes.get(name(d)) == Outcome.FAILED) {
                        messages.put(name(d), "class failed: " + message);
                    }
                }
            }
            return;
        }
        Outcome o = switch (result.getStatus()) {
            case SUCCESSFUL -> Outcome.PASSED;
            case ABORTED -> Outcome.ABORTED;
            case FAILED -> Outcome.FAILED;
        };
        outcomes.put(name(t), o);
        messages.put(name(t), message);
    }

    private String name(TestIdentifier t) {
        if (t.getSource().orElse(null) instanceof MethodSource m) {
            String cls = m.getClassName().substring(m.getClassName().lastIndexOf('.') + 1);
            String base = cls + "." + m.getMethodName();
            // an invocation of a parameterized or repeated test: its parent is the method
            boolean invocation = t.getParentIdObject()
                    .map(plan::getTestIdentifier)
                    .map(p -> p.getSource().orElse(null) instanceof MethodSource)
                    .orElse(false);
            return invocation ? base + t.getDisplayName() : base;
        }
        return t.getDisplayName();
    }

    private static String firstLine(Throwable e) {
        String s = e.getClass().getSimpleName() + ": " + e.getMessage();
        s = s.replace('\t', ' ');
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private void write(Path out) throws IOException {
        Files.createDirectories(out.getParent());
        List<String> lines = new ArrayList<>();
        outcomes.forEach((test, o) -> lines.add(o + "\t" + test + "\t" + messages.getOrDefault(test, "")));
        Files.write(out, lines);
    }

    /** Reads a file written by {@link #run}: test → outcome, and test → message. */
    static Map<String, String[]> read(Path file) throws IOException {
        Map<String, String[]> m = new TreeMap<>();
        try (Stream<String> lines = Files.lines(file)) {
            lines.forEach(l -> {
                String[] f = l.split("\t", 3);
                m.put(f[1], new String[] {f[0], f.length > 2 ? f[2] : ""});
            });
        }
        return m;
    }
}
