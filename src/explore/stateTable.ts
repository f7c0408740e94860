const EMPTY = -1;

/**
 * States per page. Keys, parents and commands live in fixed pages, never copied to grow: a table holds at most one
 * page of slack, where doubling arrays held up to half their size.
 */
const PAGE_BITS = 10;
const PAGE_STATES = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_STATES - 1;

/** Open addressing with linear probing stays quick up to this fill; the slot array doubles beyond it. */
const MAX_LOAD = 0.75;

function hash(words: Uint32Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h = Math.imul(h ^ (words[i] as number), 0x01000193);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/**
 * The explorer's visited set: fixed-width keys stored densely in pages, found through an open-addressing hash
 * table of state ids. Each state also records how breadth-first search first reached it (parent id and command),
 * so the path to any state is the shortest one.
 */
export class StateTable {
  private readonly keys: Uint32Array[] = [];
  private readonly parents: Int32Array[] = [];
  private readonly vias: (Uint8Array | Uint16Array)[] = [];
  private readonly wideVias: boolean;
  private slots = new Int32Array(2048).fill(EMPTY);
  /** Distinct states stored. */
  count = 0;

  constructor(
    /** Key width in 32-bit words. */
    readonly words: number,
    /** Commands in the exploration's table: a byte holds the command that reached a state when they are at most 256. */
    commands: number,
  ) {
    this.wideVias = commands > 256;
  }

  /** The key's id, storing it (and how it was reached) if new: then the id is the count before the call. */
  intern(key: Uint32Array, parent: number, via: number): number {
    // Stryker disable next-line EqualityOperator: rehashing one state earlier changes no answer.
    if (this.count + 1 > this.slots.length * MAX_LOAD) this.rehash();
    const mask = this.slots.length - 1;
    for (let slot = hash(key, 0, this.words) & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot] as number;
      if (id === EMPTY) {
        this.slots[slot] = this.add(key, parent, via);
        return this.count - 1;
      }
      if (this.matches(id, key)) return id;
    }
  }

  /** The parent state's id (-1 for the root). */
  parent(id: number): number {
    return (this.parents[id >>> PAGE_BITS] as Int32Array)[id & PAGE_MASK] as number;
  }

  /** The command (an index into the exploration's command table) that first reached this state. */
  via(id: number): number {
    return (this.vias[id >>> PAGE_BITS] as Uint8Array)[id & PAGE_MASK] as number;
  }

  /** Bytes held per stored state: keys, parent links and the hash table, at their allocated sizes. */
  bytesPerState(): number {
    let bytes = this.slots.byteLength;
    for (const pages of [this.keys, this.parents, this.vias])
      for (const page of pages) bytes += page.byteLength;
    return bytes / Math.max(this.count, 1);
  }

  private add(key: Uint32Array, parent: number, via: number): number {
    const id = this.count++;
    const page = id >>> PAGE_BITS;
    if (page === this.keys.length) {
      this.keys.push(new Uint32Array(PAGE_STATES * this.words));
      this.parents.push(new Int32Array(PAGE_STATES));
      this.vias.push(this.wideVias ? new Uint16Array(PAGE_STATES) : new Uint8Array(PAGE_STATES));
    }
    const at = id & PAGE_MASK;
    (this.keys[page] as Uint32Array).set(key, at * this.words);
    (this.parents[page] as Int32Array)[at] = parent;
    (this.vias[page] as Uint8Array)[at] = via;
    return id;
  }

  private matches(id: number, key: Uint32Array): boolean {
    const page = this.keys[id >>> PAGE_BITS] as Uint32Array;
    const base = (id & PAGE_MASK) * this.words;
    for (let i = 0; i < this.words; i++) if (page[base + i] !== key[i]) return false;
    return true;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    const mask = this.slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      const base = (id & PAGE_MASK) * this.words;
      let slot = hash(this.keys[id >>> PAGE_BITS] as Uint32Array, base, base + this.words) & mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.slots[slot] = id;
    }
  }
}
