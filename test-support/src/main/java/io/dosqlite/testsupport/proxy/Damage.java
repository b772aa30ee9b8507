package io.dosqlite.testsupport.proxy;

import java.util.Arrays;
import java.util.Random;

/** Seeded damage to message bodies: one random source per proxy, so a seed replays a run's choices. */
final class Damage {
    private final Random random;

    Damage(long seed) {
        this.random = new Random(seed);
    }

    int pick(int bound) {
        synchronized (random) {
            return random.nextInt(bound);
        }
    }

    /** A copy with one random bit flipped. */
    byte[] flipBit(byte[] b) {
        byte[] c = b.clone();
        int bit = pick(c.length * 8);
        c[bit / 8] ^= (byte) (1 << (bit % 8));
        return c;
    }

    /** A copy of a frames body with two frames swapped, or its single frame relabelled as the next page (valid CRC). */
    byte[] wrongPage(byte[] body, int pageSize) {
        int f = 8 + pageSize;
        byte[] b = body.clone();
        int frames = b.length / f;
        if (frames >= 2) {
            int i = pick(frames);
            int j = (i + 1 + pick(frames - 1)) % frames;
            byte[] tmp = Arrays.copyOfRange(b, i * f, (i + 1) * f);
            System.arraycopy(b, j * f, b, i * f, f);
            System.arraycopy(tmp, 0, b, j * f, f);
        } else {
            Frames.relabel(b, 0, pageSize, Frames.pageNo(b, 0) + 1);
        }
        return b;
    }
}
