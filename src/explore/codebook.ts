/**
 * Small integer codes for the values one state field takes, in order of first sight. The bounded model keeps
 * every field to a handful of values; a field that outgrows its width is a model too large for the key.
 */
export class Codebook {
  private readonly codes = new Map<string | number, number>();
  /** Values seen so far, by code. */
  readonly values: (string | number)[] = [];

  constructor(
    /** Field name, for the error message. */
    readonly field: string,
    /** Width of a code in bits. */
    readonly bits: number,
  ) {}

  code(value: string | number): number {
    const known = this.codes.get(value);
    if (known !== undefined) return known;
    const code = this.values.length;
    if (code >= 2 ** this.bits)
      throw new Error(
        `explore: ${this.field} takes more than ${2 ** this.bits} values; bound the model further`,
      );
    this.codes.set(value, code);
    this.values.push(value);
    return code;
  }
}
