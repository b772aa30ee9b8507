// Turns for writers of several clients fighting over one page (true conflicts).
//
// Without help the client whose commit landed keeps winning: its answer and the others' pushes
// leave together, but a loser also waits for its own refusal, which leaves after the winner's
// answer, so the winner sends its next commit first, round after round (commit logs showed runs
// of 18 wins), and a loser runs out of retries and its application sees 40001. So the object keeps
// a queue of clients per page fought over, in the order they were refused on it. A refusal says
// how many are ahead of its client (`turn`: 0 = next); a commit that lands on a page others wait
// for puts its client at the end of the queue and says how many are ahead (header
// X-Dosqlite-Contended). A client waits for that many new versions before it writes there again,
// so the clients take turns instead of colliding. Nothing is refused for fairness: the queue only
// advises timing, every commit is decided as always. In memory only: a lost queue costs a few
// rounds of fairness, never a decision about data.

/** A queue entry not refreshed for this long is dropped: its client went away or stopped writing. */
export const TURN_MS = 500;

/** A client at the head of a queue that others' commits passed this often is not taking its turn: dropped. */
const MAX_PASSED = 2;

/** Bounds on what is tracked (an entry is a few dozen bytes). */
const MAX_PAGES = 1_024;
const MAX_QUEUE = 64;

interface Entry {
  client: string;
  since: number;
  /** Commits of others that landed on the page while this entry was at the head. */
  passed: number;
}

export class Contention {
  private readonly queues = new Map<number, Entry[]>();

  /**
   * A commit of `client` was refused because another version changed `page`. Returns how many
   * clients are ahead of it in that page's queue, or null when it is not queued (no client name,
   * page 1, or nothing more can be tracked).
   */
  refused(client: string | null, page: number, now: number): number | null {
    if (client === null || page === 1) return null;
    let q = this.queues.get(page);
    if (!q) {
      if (this.queues.size >= MAX_PAGES) this.expireAll(now);
      if (this.queues.size >= MAX_PAGES) return null;
      this.queues.set(page, (q = []));
    }
    this.expire(q, now);
    const i = q.findIndex((e) => e.client === client);
    if (i >= 0) {
      q[i].since = now; // still trying
      q[i].passed = 0;
      return i;
    }
    if (q.length >= MAX_QUEUE) return null;
    q.push({ client, since: now, passed: 0 });
    return q.length - 1;
  }

  /**
   * A commit of `client` wrote `pages`. Returns how many clients wait for one of them ahead of it
   * (it joins the end of that queue), or 0 when nobody waits.
   */
  landed(client: string | null, pages: () => Iterable<number>, now: number): number {
    if (this.queues.size === 0) return 0; // the usual case: no query for the pages
    let ahead = 0;
    for (const p of pages()) {
      const q = this.queues.get(p);
      if (!q) continue;
      this.expire(q, now);
      const i = client === null ? -1 : q.findIndex((e) => e.client === client);
      if (i === 0) q.shift(); // its turn is over
      else {
        if (i > 0) q.splice(i, 1); // it took a turn out of order: it goes to the end again
        // the head let another client's commit pass: after a few, it has stopped writing here
        if (q.length > 0 && ++q[0].passed >= MAX_PASSED) q.shift();
      }
      if (q.length === 0) {
        this.queues.delete(p);
        continue;
      }
      ahead = Math.max(ahead, q.length);
      if (client !== null && q.length < MAX_QUEUE) q.push({ client, since: now, passed: 0 });
    }
    return ahead;
  }

  private expire(q: Entry[], now: number): void {
    let i = 0;
    while (i < q.length) {
      if (now - q[i].since >= TURN_MS) q.splice(i, 1);
      else i++;
    }
  }

  private expireAll(now: number): void {
    for (const [p, q] of this.queues) {
      this.expire(q, now);
      if (q.length === 0) this.queues.delete(p);
    }
  }
}
