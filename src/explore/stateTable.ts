const EMPTY = -1;

function grow<T extends Int32Array | Uint32Array | Uint16Array | Uint8Array>(array: T, length: number): T {
  if (length <= array.length) return array;
  const bigger = new (array.constructor as new (n: number) => T)(Math.max(length, array.length * 2));
  bigger.set(array);
  return bigger;
}

function hash(words: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) {
    h = Math.imul(h ^ (words[i] as number), 0x01000193);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/**
 * The explorer's visited set: fixed-width keys stored densely, found through an open-addressing hash table of
 * state ids. Each state also records how breadth-first search first reached it (parent id and command), so the
 * path to any state is the shortest one.
 */
export class StateTable {
  private keys: Uint32Array;
  private parents = new Int32Array(1024);
  private vias: Uint8Array | Uint16Array;
  private slots = new Int32Array(2048).fill(EMPTY);
  /** Distinct states stored. */
  count = 0;

  constructor(
    /** Key width in 32-bit words. */
    readonly words: number,
    /** Commands in the exploration's table: a byte holds the command that reached a state when they are at most 256. */
    commands: number,
  ) {
    this.keys = new Uint32Array(1024 * words);
    this.vias = commands <= 256 ? new Uint8Array(1024) : new Uint16Array(1024);
  }

  /** Stores the key if new and returns its id; returns ~id (negative) when it was already there. */
  intern(key: Uint32Array, parent: number, via: number): number {
    if (this.count * 2 >= this.slots.length) this.rehash();
    const mask = this.slots.length - 1;
    for (let slot = hash(key) & mask; ; slot = (slot + 1) & mask) {
      const id = this.slots[slot] as number;
      if (id === EMPTY) {
        this.slots[slot] = this.add(key, parent, via);
        return this.count - 1;
      }
      if (this.matches(id, key)) return ~id;
    }
  }

  /** The parent state's id (-1 for the root). */
  parent(id: number): number {
    return this.parents[id] as number;
  }

  /** The command (an index into the exploration's command table) that first reached this state. */
  via(id: number): number {
    return this.vias[id] as number;
  }

  /** Bytes held per stored state: keys, parent links and the hash table, at their allocated sizes. */
  bytesPerState(): number {
    const bytes =
      this.keys.byteLength + this.parents.byteLength + this.vias.byteLength + this.slots.byteLength;
    return bytes / Math.max(this.count, 1);
  }

  private add(key: Uint32Array, parent: number, via: number): number {
    const id = this.count++;
    this.keys = grow(this.keys, this.count * this.words);
    this.parents = grow(this.parents, this.count);
    this.vias = grow(this.vias, this.count);
    this.keys.set(key, id * this.words);
    this.parents[id] = parent;
    this.vias[id] = via;
    return id;
  }

  private matches(id: number, key: Uint32Array): boolean {
    const base = id * this.words;
    for (let i = 0; i < this.words; i++) if (this.keys[base + i] !== key[i]) return false;
    return true;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    const mask = this.slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = hash(this.keys.subarray(id * this.words, (id + 1) * this.words)) & mask;
      while (this.slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      this.slots[slot] = id;
    }
  }
}
