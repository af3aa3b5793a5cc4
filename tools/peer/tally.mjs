// Counts of events by kind, for the peer's progress lines on stderr.

/** How many times each kind of event happened, in the order each kind first did. */
export class Tally {
  #counts = new Map();

  /** Counts one more `what`. */
  add(what) {
    this.#counts.set(what, (this.#counts.get(what) ?? 0) + 1);
  }

  /** Forgets every count. */
  clear() {
    this.#counts.clear();
  }

  /** Whether nothing has been counted. */
  get empty() {
    return this.#counts.size === 0;
  }

  /** "3 × ECONNRESET, 1 × …", or "none". */
  toString() {
    return [...this.#counts].map(([what, n]) => `${n} × ${what}`).join(", ") || "none";
  }
}
