/** Where a command writes; injectable so tests run the CLI in-process. */
export interface CliIo {
  /** Standard output. */
  out(text: string): void;
  /** Standard error. */
  err(text: string): void;
  /** Whether stdout is an interactive terminal. */
  isTty: boolean;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTty: process.stdout.isTTY === true,
};

/** Bad input: reported as one line on stderr with exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT = { ok: 0, failed: 1, badInput: 2, noKernel: 3 } as const;

/** The longest error line seoib prints: an input echoed whole (a 52 MB key) is cut here. */
export const MAX_ERROR_CHARS = 400;

/**
 * An error line safe for a terminal: control characters escaped (a key holding a newline or an ANSI escape cannot
 * forge a line), and cut to MAX_ERROR_CHARS with the number of characters left out.
 */
export function terminalSafe(text: string): string {
  const escaped = text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point.
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length <= MAX_ERROR_CHARS
    ? escaped
    : `${escaped.slice(0, MAX_ERROR_CHARS)}… (${escaped.length - MAX_ERROR_CHARS} more characters)`;
}
