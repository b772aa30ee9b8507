package io.dosqlite.testsupport.proxy;

import java.util.EnumMap;
import java.util.Map;

/** What to do with one request: a {@link Fault}, its duration where it has one, and hooks by {@link Phase}. */
public final class Action {
    public static final Action PASS = new Action(Fault.PASS, 0);
    final Fault fault;
    final long millis;
    private final Map<Phase, Runnable> hooks = new EnumMap<>(Phase.class);

    private Action(Fault fault, long millis) {
        this.fault = fault;
        this.millis = millis;
    }

    /** The fault; a stall lasts 2.5 s. */
    public static Action of(Fault f) {
        return new Action(f, f == Fault.STALL_BEFORE || f == Fault.STALL_AFTER ? 2500 : 0);
    }

    public static Action of(Fault f, long millis) {
        return new Action(f, millis);
    }

    /** Runs {@code r} on the proxy's thread at phase {@code p} of this request. */
    public Action hook(Phase p, Runnable r) {
        if (this == PASS) {
            throw new IllegalStateException("use Action.of(Fault.PASS).hook(...), not the shared PASS");
        }
        hooks.put(p, r);
        return this;
    }

    void run(Phase p) {
        Runnable r = hooks.get(p);
        if (r != null) {
            r.run();
        }
    }
}
