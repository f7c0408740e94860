/**
 * A set of interrupt vectors as a sorted array: IRR, ISR, TMR and the EOI-exit bitmap.
 * Plain arrays keep model state serialisable and cheap to key.
 */
export type VectorSet = readonly number[];

export function has(set: VectorSet, vector: number): boolean {
  return set.includes(vector);
}

export function add(set: VectorSet, vector: number): VectorSet {
  if (set.includes(vector)) return set;
  return [...set, vector].sort((a, b) => a - b);
}

export function remove(set: VectorSet, vector: number): VectorSet {
  return set.includes(vector) ? set.filter((v) => v !== vector) : set;
}

export function highest(set: VectorSet): number | undefined {
  return set[set.length - 1];
}

export function fromList(vectors: readonly number[]): VectorSet {
  return [...new Set(vectors)].sort((a, b) => a - b);
}

/** The 32-bit register word `index` (0-7) of a 256-bit APIC vector register. */
export function registerWord(set: VectorSet, index: number): number {
  let word = 0;
  for (const vector of set) {
    if (vector >> 5 === index) word |= 1 << (vector & 31);
  }
  return word >>> 0;
}
