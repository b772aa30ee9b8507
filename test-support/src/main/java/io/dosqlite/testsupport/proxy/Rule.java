package io.dosqlite.testsupport.proxy;

import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** Decides the {@link Action} for each request a {@link FaultProxy} reads. */
@FunctionalInterface
public interface Rule {
    Action decide(Req r);

    /** Every request passes. */
    Rule PASS = r -> Action.PASS;

    /** Fault the k-th request (1-based) of those matching {@code which}; everything else passes. */
    static Rule nth(Predicate<Req> which, int k, Action a) {
        AtomicInteger n = new AtomicInteger();
        return r -> which.test(r) && n.incrementAndGet() == k ? a : Action.PASS;
    }

    /** Fault the next request, whatever it is; everything after it passes. */
    static Rule next(Action a) {
        return nth(r -> true, 1, a);
    }

    /** Fault each matching request with probability p, with a fault drawn from {@code kinds} (300 ms where it lasts). */
    static Rule random(Predicate<Req> which, double p, long seed, Fault... kinds) {
        Random rnd = new Random(seed);
        return r -> {
            synchronized (rnd) {
                return which.test(r) && rnd.nextDouble() < p ? Action.of(kinds[rnd.nextInt(kinds.length)], 300) : Action.PASS;
            }
        };
    }

    static Predicate<Req> endpoint(String e) {
        return r -> r.is(e);
    }
}
