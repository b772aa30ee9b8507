package io.dosqlite.vfs;

import static io.dosqlite.vfs.SqliteCodes.*;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * SQLite's five lock levels for all connections of this JVM to one database (one table per
 * {@link PageStore}), with the same rules as os_unix.c's in-process lock bookkeeping:
 * any number of SHARED holders; at most one RESERVED/PENDING/EXCLUSIVE holder; PENDING blocks new
 * SHARED locks; EXCLUSIVE needs every other SHARED holder gone. Conflicts answer SQLITE_BUSY so
 * SQLite's busy handler (busy_timeout) retries.
 */
final class LockTable {
    private static final Map<PageStore, LockTable> TABLES = new IdentityHashMap<>();

    private int sharedCount;
    private Object reserved;
    private Object pending;
    private Object exclusive;
    private int users;

    static LockTable acquire(PageStore store) {
        synchronized (TABLES) {
            LockTable t = TABLES.computeIfAbsent(store, s -> new LockTable());
            t.users++;
            return t;
        }
    }

    static void release(PageStore store) {
        synchronized (TABLES) {
            LockTable t = TABLES.get(store);
            if (t != null && --t.users <= 0) {
                TABLES.remove(store);
            }
        }
    }

    /**
     * Raises {@code owner} from {@code current} to {@code want}. Returns SQLITE_OK or SQLITE_BUSY and
     * the level the owner holds afterwards in {@code out[0]} (PENDING when EXCLUSIVE waits for readers).
     */
    synchronized int lock(Object owner, int current, int want, int[] out) {
        out[0] = current;
        if (current >= want) {
            return OK;
        }
        switch (want) {
            case LOCK_SHARED:
                if (pending != null || exclusive != null) {
                    return BUSY;
                }
                sharedCount++;
                out[0] = LOCK_SHARED;
                return OK;
            case LOCK_RESERVED:
                if (current != LOCK_SHARED) {
                    return MISUSE;
                }
                if (reserved != null || pending != null || exclusive != null) {
                    return BUSY;
                }
                reserved = owner;
                out[0] = LOCK_RESERVED;
                return OK;
            case LOCK_EXCLUSIVE:
                if (current < LOCK_SHARED) {
                    return MISUSE;
                }
                if ((pending != null && pending != owner) || (exclusive != null && exclusive != owner)
                        || (reserved != null && reserved != owner)) {
                    return BUSY;
                }
                pending = owner;
                out[0] = LOCK_PENDING;
                if (sharedCount > 1) {
                    return BUSY;
                }
                exclusive = owner;
                out[0] = LOCK_EXCLUSIVE;
                return OK;
            default:
                return MISUSE;
        }
    }

    /** Lowers {@code owner} from {@code current} to {@code want} (SHARED or NONE). */
    synchronized void unlock(Object owner, int current, int want) {
        if (current <= want) {
            return;
        }
        if (current > LOCK_SHARED && want <= LOCK_SHARED) {
            if (reserved == owner) {
                reserved = null;
            }
            if (pending == owner) {
                pending = null;
            }
            if (exclusive == owner) {
                exclusive = null;
            }
        }
        if (want == LOCK_NONE && current >= LOCK_SHARED) {
            sharedCount--;
        }
    }

    /** True if any connection of this JVM holds RESERVED, PENDING or EXCLUSIVE. */
    synchronized boolean reservedHeld() {
        return reserved != null || pending != null || exclusive != null;
    }
}
