/** Packs unsigned fields of a few bits each into 32-bit words, least significant bit first. */
export class BitWriter {
  private word = 0;
  private bit = 0;

  constructor(
    /** Destination; its length bounds the key. */
    readonly words: Uint32Array,
  ) {}

  reset(): void {
    this.words.fill(0);
    this.word = 0;
    this.bit = 0;
  }

  /** Appends `value` (0 ≤ value < 2^bits, bits ≤ 16). */
  put(value: number, bits: number): void {
    this.words[this.word] = ((this.words[this.word] as number) | (value << this.bit)) >>> 0;
    this.bit += bits;
    if (this.bit >= 32) {
      this.word++;
      this.bit -= 32;
      if (this.bit > 0) this.words[this.word] = value >>> (bits - this.bit);
    }
  }

  /** Bits written since the last reset. */
  get length(): number {
    return this.word * 32 + this.bit;
  }
}
