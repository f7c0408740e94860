import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { withFolderLock } from '../io/folderLock.js';
import { debianKernel, packInitrd, qemuBoot, requireQemu } from './debianKernel.js';
import type { KernelTree } from './kernelTree.js';
import { KvmUnavailable } from './kvmUnavailable.js';
import { cacheDir } from './projectRoot.js';

/** A selftest's C source, named as its file in tools/testing/selftests/kvm/x86 (without .c). */
export interface SelftestSource {
  /** File name without .c; a C identifier. */
  name: string;
  /** The C file. */
  source: string;
}

/** Selftests built in a kernel tree. */
export interface BuiltSelftests {
  /** [name, static binary], in the order given. */
  binaries: [string, string][];
  /** Build time in seconds. */
  seconds: number;
}

/** How one selftest ended on the booted kernel. */
export interface SelftestOutcome {
  /** Its name. */
  name: string;
  /** Its exit status: 0 passed, 4 skipped (KSFT_SKIP), anything else failed. */
  exit: number;
  /** What it printed, stdout and stderr together. */
  output: string[];
}

/** Selftests run on a Debian kernel under QEMU. */
export interface SelftestRunResult {
  /** The kernel package that ran them. */
  kernel: string;
  /** One outcome per binary, in order. */
  outcomes: SelftestOutcome[];
  /** Boot and run time in seconds. */
  seconds: number;
}

const MARK = '@seoib-selftest ';
const EXIT_MARK = '@@exit ';

/** Adds `x86/<name>` to TEST_GEN_PROGS_x86 in Makefile.kvm, beside the other x86 tests, as a patch would. */
function listInMakefile(tree: KernelTree, name: string): void {
  const makefile = join(tree.selftests, 'Makefile.kvm');
  const lines = readFileSync(makefile, 'utf8').split('\n');
  const entry = `TEST_GEN_PROGS_x86 += x86/${name}`;
  if (lines.includes(entry)) return;
  const last = lines.map((line) => line.startsWith('TEST_GEN_PROGS_x86 += ')).lastIndexOf(true);
  if (last < 0) throw new KvmUnavailable(`${makefile}: no TEST_GEN_PROGS_x86 list to add ${name} to`);
  lines.splice(last + 1, 0, entry);
  writeFileAtomic(makefile, lines.join('\n'));
}

/**
 * Writes each selftest into the tree's tools/testing/selftests/kvm/x86, lists it in Makefile.kvm, and builds it
 * with the kernel's own selftest makefiles and the system compiler, statically so it runs from an initramfs.
 * A compiler error is thrown whole: the export wrote C the kernel's framework does not accept.
 */
export function buildSelftests(tree: KernelTree, tests: readonly SelftestSource[]): BuiltSelftests {
  return withFolderLock(join(cacheDir(), 'kernels', tree.suite), () => built(tree, tests));
}

function built(tree: KernelTree, tests: readonly SelftestSource[]): BuiltSelftests {
  const started = Date.now();
  for (const test of tests) {
    writeFileAtomic(join(tree.selftests, 'x86', `${test.name}.c`), test.source);
    listInMakefile(tree, test.name);
  }
  const targets = tests.map((test) => join(tree.selftests, 'x86', test.name));
  try {
    execFileSync('make', ['-s', '-C', tree.selftests, '-j2', 'EXTRA_CFLAGS=-static', ...targets], {
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 26,
    });
  } catch (error) {
    const e = error as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT') throw new KvmUnavailable('make not found: install the Debian package make');
    const errors = (e.stderr?.toString() ?? String(error))
      .split('\n')
      .filter((l) => !/warning:|note:/.test(l));
    throw new Error(`building the selftests in ${tree.package} failed:\n${errors.slice(0, 40).join('\n')}`);
  }
  return {
    binaries: tests.map((test, k) => [test.name, targets[k] as string]),
    seconds: (Date.now() - started) / 1000,
  };
}

/** The init's program: each selftest in turn, its output and exit status marked on the console. */
function program(names: readonly string[]): string {
  return names
    .map(
      (name) =>
        `{ /selftests/${name}; echo "${EXIT_MARK}$?"; } 2>&1 < /dev/null | sed "s|^|${MARK}${name} |" > /dev/console`,
    )
    .join('\n');
}

/** Outcomes from the console: every marked line of each selftest, and its exit status. */
export function outcomesOf(consoleText: string, names: readonly string[]): SelftestOutcome[] {
  return names.map((name) => {
    const prefix = `${MARK}${name} `;
    const lines = consoleText
      .split('\n')
      .map((line) => line.replace(/\r$/, ''))
      .filter((line) => line.startsWith(prefix))
      .map((line) => line.slice(prefix.length));
    const exitLine = lines.find((line) => line.startsWith(EXIT_MARK));
    return {
      name,
      exit: exitLine === undefined ? -1 : Number(exitLine.slice(EXIT_MARK.length)),
      output: lines.filter((line) => line !== exitLine),
    };
  });
}

/**
 * Boots Debian's `suite` kernel under QEMU TCG (as the conformance suite does) with the selftests in its
 * initramfs, runs each one, and reads how each ended from the serial console. A selftest that never reports its
 * exit status (the boot timed out, the kernel crashed) has exit -1.
 */
export async function runSelftestsInQemu(
  suite: string,
  binaries: readonly [string, string][],
  timeoutMs: number,
): Promise<SelftestRunResult> {
  const started = Date.now();
  requireQemu();
  const image = debianKernel(suite);
  const initrd = join(mkdtempSync(join(tmpdir(), 'seoib-selftests-')), 'initrd.gz');
  const names = binaries.map(([name]) => name);
  packInitrd(
    join(cacheDir(), 'kernels', suite, 'root'),
    initrd,
    binaries.map(([name, file]) => [`selftests/${name}`, file] as const),
    program(names),
  );
  const args = qemuBoot(image, initrd, 1024);
  const consoleText = await new Promise<string>((resolve, reject) => {
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (data: Buffer) => {
      text += data.toString();
    });
    child.stderr.on('data', (data: Buffer) => {
      text += data.toString();
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new KvmUnavailable(`QEMU (${image.package}): ${error.message}`));
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
  rmSync(dirname(initrd), { recursive: true, force: true });
  return {
    kernel: `${suite}: ${image.package}`,
    outcomes: outcomesOf(consoleText, names),
    seconds: (Date.now() - started) / 1000,
  };
}
