// Pipelined commits (protocol v1.1): a client may send a commit built on earlier commits of its
// own whose answers it has not received yet (after=KEY1,KEY2,...). Such a commit waits until each
// of them was applied, and is refused if one was refused or did not arrive in time: a later commit
// of a chain is never applied without every earlier one.
import { HttpError, KEY_RE } from "./http";
import type { PageStore } from "./storage";

const MAX_CHAIN = 256;
const MAX_REFUSED = 10_000;
export const DEFAULT_WAIT_MS = 5_000;
const MAX_WAIT_MS = 30_000;

/** In memory: a restarted object forgets refusals, and its waiting commits were cut off anyway. */
export class ChainWaits {
  private refused = new Set<string>();
  private waiters = new Set<() => void>();

  /** A commit with this key was answered with an error (nothing of it was applied). */
  refuse(key: string): void {
    this.refused.add(key);
    if (this.refused.size > MAX_REFUSED) this.refused.delete(this.refused.values().next().value!);
    this.wake();
  }

  /** Something was decided: waiting chain commits look again. */
  wake(): void {
    const w = [...this.waiters];
    this.waiters.clear();
    for (const f of w) f();
  }

  /**
   * The versions the keys were applied at, once all are; throws 409 if one was refused or the
   * wait ran out (the client then retries the whole chain from its acknowledged version).
   */
  async versionsOf(store: PageStore, keys: string[], waitMs: number): Promise<Set<number>> {
    const deadline = Date.now() + Math.min(Math.max(waitMs, 0), MAX_WAIT_MS);
    for (;;) {
      const found = new Set<number>();
      let missing: string | null = null;
      for (const k of keys) {
        const row = store.sql.exec("SELECT version FROM idem WHERE key = ?", k).toArray()[0];
        if (row) {
          found.add(row.version as number);
        } else if (this.refused.has(k)) {
          throw chainBroken(`the earlier commit ${k} of this chain was refused`, store);
        } else if (missing === null) {
          missing = k;
        }
      }
      if (missing === null) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw chainBroken(`the earlier commit ${missing} of this chain did not arrive in time`, store);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.waiters.delete(done);
          resolve();
        }, left);
        const done = () => {
          clearTimeout(t);
          resolve();
        };
        this.waiters.add(done);
      });
    }
  }
}

function chainBroken(why: string, store: PageStore): HttpError {
  return new HttpError(409, "conflict", `Commit refused: ${why}, so nothing built on it may be applied. Roll back and retry the transaction.`, {
    version: store.meta().version,
  });
}

/** Parses `after=KEY1,KEY2` (the commits this one was built on, oldest first); [] when absent. */
export function parseAfter(value: string | null): string[] {
  if (value === null || value === "") return [];
  const keys = value.split(",");
  if (keys.length > MAX_CHAIN || !keys.every((k) => KEY_RE.test(k))) {
    throw new HttpError(400, "bad_request", `Invalid after=: send at most ${MAX_CHAIN} idempotency keys, comma-separated.`);
  }
  return keys;
}
