import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { KvmUnavailable } from './kvmUnavailable.js';

/** One answer line of the runner, parsed. */
export interface Answer {
  /** ioctl return value (negated errno on failure). */
  ret?: number;
  /** Register value (get_lapic). */
  value?: number;
  /** Kernel release (version). */
  release?: string;
  /** The vendor module behind /dev/kvm (version). */
  backend?: string;
  /** The runner's open file descriptors (stats). */
  fds?: number;
  /** The runner's resident memory in KiB (stats). */
  rss_kb?: number;
  /** The interrupt vector the guest took (guest_accept), or null. */
  vector?: number | null;
  /** The exception vector the guest raised, 0 for none (guest requests). */
  fault?: number;
  /** KVM_EXIT_IOAPIC_EOI vectors, in order (guest requests). */
  exits?: number[];
  /** MMIO writes that exited to userspace, as [address, value] (guest requests). */
  mmio?: [number, number][];
  /** 1: the guest request stopped at an MMIO write; guest_resume finishes it once the VMM has handled the write. */
  paused?: number;
  /** Vectors pending in IRR (get_irr). */
  vectors?: number[];
  /** The runner could not do what was asked. */
  error?: string;
}

const MARK = '@seoib ';
const KEPT_CONSOLE_LINES = 40;

/**
 * The runner behind a line protocol: spawned directly on a host with /dev/kvm, or as the init of a QEMU guest
 * whose serial console carries the same lines among kernel messages. Answers are the lines marked "@seoib ".
 */
export class RunnerProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = '';
  private readonly console: string[] = [];
  private readonly waiting: { resolve: (a: Answer) => void; reject: (e: Error) => void }[] = [];
  private ended: Error | undefined;

  constructor(
    command: string,
    args: readonly string[],
    /** How long the first answer (boot to ready) may take. */
    private readonly readyTimeoutMs: number,
    /** What to call it in errors. */
    private readonly name: string,
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (data: Buffer) => this.read(data.toString()));
    this.child.stderr.on('data', (data: Buffer) => this.keep(data.toString()));
    this.child.on('error', (error) => this.fail(new KvmUnavailable(`${name}: ${error.message}`)));
    this.child.on('exit', (code) => this.fail(new KvmUnavailable(`${name} exited (${code})${this.tail()}`)));
  }

  /** Waits for the runner's ready line; fails with the console's last lines on an error or a timeout. */
  async ready(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KvmUnavailable(`${this.name}: no answer in ${this.readyTimeoutMs / 1000} s${this.tail()}`),
          ),
        this.readyTimeoutMs,
      );
    });
    try {
      const first = await Promise.race([this.next(), timeout]);
      if (first.error !== undefined) throw new KvmUnavailable(`${this.name}: ${first.error}`);
    } catch (error) {
      this.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends one request and waits for its answer. */
  ask(request: string): Promise<Answer> {
    const answer = this.next();
    this.child.stdin.write(`${request}\n`);
    return answer;
  }

  /** Ends the runner (and the QEMU guest, which powers off after it). */
  close(): void {
    if (this.child.exitCode === null) {
      this.child.stdin.end('quit\n');
      setTimeout(() => this.child.kill('SIGKILL'), 5000).unref();
    }
  }

  private next(): Promise<Answer> {
    if (this.ended !== undefined) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private read(text: string): void {
    this.buffer += text;
    for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      const at = line.indexOf(MARK);
      if (at < 0) {
        this.keep(line);
        continue;
      }
      this.waiting.shift()?.resolve(JSON.parse(line.slice(at + MARK.length)) as Answer);
    }
  }

  private keep(text: string): void {
    this.console.push(...text.split('\n').filter((l) => l.trim() !== ''));
    this.console.splice(0, Math.max(0, this.console.length - KEPT_CONSOLE_LINES));
  }

  private tail(): string {
    const last = this.console.slice(-10);
    return last.length === 0 ? '' : `; last console lines:\n  ${last.join('\n  ')}`;
  }

  private fail(error: Error): void {
    this.ended ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
