// What a committed version wrote never changes, yet the page-level check (pagecheck.ts) asks it of
// every version between a commit's base and the current one, and asks it again for each commit
// that arrives: with four writers a version is looked at by each of the other three, and checking
// page 1 reads two 4 KiB images per version. Remembering the answers here turns a few dozen storage
// reads per commit into one. Kept per incarnation (a database deleted and created again numbers its
// versions from the start) and bounded, oldest first out.

/** How many versions are remembered: more than the page-level check ever looks back (MAX_BEHIND). */
const KEPT = 1024;
/** Page lists longer than this are not kept: 1024 versions of at most 512 pages stay a few MiB. */
const MAX_PAGES_KEPT = 512;

interface Facts {
  /** Page numbers the version wrote, ascending. */
  pages?: number[];
  /** Whether its page 1 equals the one before it apart from the change counters. */
  pageOneSame?: boolean;
}

export class VersionFacts {
  private incarnation = -1;
  private facts = new Map<number, Facts>();

  /**
   * The pages version `v` of incarnation `incarnation` wrote, from memory or from `load`. Only
   * committed versions may be asked (their rows never change until GC drops them).
   */
  pages(incarnation: number, v: number, load: () => number[]): number[] {
    const f = this.entry(incarnation, v);
    if (f.pages !== undefined) return f.pages;
    const pages = load();
    // a large version (an import, a bulk load) is read again if asked: memory stays small
    if (pages.length <= MAX_PAGES_KEPT) f.pages = pages;
    return pages;
  }

  /** Whether version `v` left page 1 the same apart from its counters, from memory or `load`. */
  pageOneSame(incarnation: number, v: number, load: () => boolean): boolean {
    const f = this.entry(incarnation, v);
    return (f.pageOneSame ??= load());
  }

  private entry(incarnation: number, v: number): Facts {
    if (incarnation !== this.incarnation) {
      this.facts.clear();
      this.incarnation = incarnation;
    }
    let f = this.facts.get(v);
    if (f === undefined) {
      f = {};
      this.facts.set(v, f);
      if (this.facts.size > KEPT) this.facts.delete(this.facts.keys().next().value!);
    }
    return f;
  }
}
