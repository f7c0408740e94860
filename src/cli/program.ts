import { Command, CommanderError } from 'commander';
import { OutputError } from '../io/atomicWrite.js';
import { TraceInputError } from '../model/trace.js';
import { adviseCommand, type RawAdviseOptions } from './advise.js';
import { explore, matrix } from './explore.js';
import { parseExploreOptions, type RawExploreOptions } from './exploreOptions.js';
import { exportMachines, type RawExportMachinesOptions } from './exportMachines.js';
import { type ExportSelftestOptions, exportSelftest } from './exportSelftest.js';
import { fuzz } from './fuzz.js';
import { parseFuzzOptions, type RawFuzzOptions } from './fuzzOptions.js';
import { type CliIo, EXIT, terminalSafe, UsageError } from './io.js';
import { kernelSource, kvmDiff, kvmInfo, kvmRecord, kvmRun } from './kvm.js';
import { parseKvmDiffOptions, type RawKvmDiffOptions } from './kvmDiffOptions.js';
import { kvmSelftest } from './kvmSelftest.js';
import { merge } from './merge.js';
import { listProfiles } from './profiles.js';
import { replay } from './replay.js';
import { type ReportOptions, report } from './report.js';
import { seoibVersion } from './version.js';

/** The `seoib` command tree; `setExit` receives each action's exit status. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('seoib')
    .description('Checks the KVM x2APIC Suppress EOI Broadcast (directed EOI) protocol')
    .version(`seoib ${seoibVersion()}`, '-V, --version', 'print the seoib version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => undefined })
    .helpCommand(false);

  program
    .command('replay')
    .description('run seoib-trace/1 files on the model; report observations and expect mismatches')
    .argument('<trace...>', 'trace files or directories of *.json traces')
    .option('--json', 'print one JSON object', false)
    .option('--record', 'write each trace back with the observations as expectations (atomically)', false)
    .action((paths: string[], options: { json: boolean; record: boolean }) =>
      setExit(replay(io, paths, options)),
    );

  program
    .command('fuzz')
    .description(
      'fuzz the model under kernel × VMM × policy × guest rows, checking every invariant after every command',
    )
    .option('--kernel <names>', 'kernel profiles, comma-separated, or all')
    .option('--vmm <names>', 'VMM profiles, comma-separated, or all')
    .option(
      '--policy <names>',
      'setup policies (none, enable, disable, native, adversarial), comma-separated, or all',
    )
    .option('--guest <names>', 'guest profiles, comma-separated, or all')
    .option('--invariants <ids>', 'invariants to hunt, comma-separated, or all (default all)')
    .option(
      '--matrix',
      'every combination of the profiles (all unless narrowed), ending with the verdict table',
      false,
    )
    .option('--seed <n>', 'campaign seed (default: random, printed)')
    .option('--runs <n>', 'generated runs per row (default 200)')
    .option('--time <duration>', 'total wall-time budget instead of --runs, e.g. 30s')
    .option('--max-commands <n>', 'random commands per run at most', '30')
    .option('--vcpus <n>', 'vCPUs of the modelled VM', '1')
    .option('--pins <n>', 'I/O APIC pins of the modelled VM', '2')
    .option('--out <dir>', 'campaign folder: counterexample traces, row records, results.json', 'seoib-out')
    .option('--json', 'print one JSON object', false)
    .option(
      '--shard <K/N>',
      'run every N-th row from the K-th (default: from JOB_COMPLETION_INDEX/JOB_COMPLETION_COUNT, else 1/1)',
    )
    .option('--workers <n>', 'worker threads; results do not depend on it', '1')
    .option(
      '--fail-on <mode>',
      'any: every violation exits 1, documented behaviour too; unexpected: only undocumented ones (regression mode)',
      'any',
    )
    .action(async (options: RawFuzzOptions) => setExit(await fuzz(io, parseFuzzOptions(options))));

  program
    .command('merge')
    .description("combine the campaign folders of a fuzz campaign's shards into one, as if run unsharded")
    .argument('<folder...>', 'campaign folders (the --out of each shard)')
    .requiredOption('--out <dir>', 'folder for the merged campaign')
    .option(
      '--fail-on <mode>',
      'any: every violation of the merged campaign exits 1, documented behaviour too; unexpected: only undocumented ones',
      'any',
    )
    .action((folders: string[], options: { out: string; failOn: string }) =>
      setExit(merge(io, folders, options)),
    );

  program
    .command('report')
    .description(
      "a fuzz campaign's results.json as a self-contained HTML page (SVG sequence diagrams) or Markdown",
    )
    .argument('<results>', 'results.json of a campaign folder (seoib fuzz --out, seoib merge --out)')
    .option('--html <file>', 'write the HTML report here')
    .option('--markdown <file>', 'write the Markdown report (Mermaid sequence diagrams) here')
    .action((results: string, options: ReportOptions) => setExit(report(io, results, options)));

  const exploreFlags = (command: Command, defaults: { depth: string; pins: string }) =>
    command
      .option('--kernel <names>', 'kernel profiles, comma-separated, or all')
      .option('--vmm <names>', 'VMM profiles, comma-separated, or all')
      .option(
        '--policy <names>',
        'setup policies (none, enable, disable, native, adversarial), comma-separated, or all',
      )
      .option('--guest <names>', 'guest profiles, comma-separated, or all')
      .option('--depth <n>', 'commands after the setup, at most', defaults.depth)
      .option(
        '--max-states <n>',
        'stop a row once this many distinct states are stored (the state being expanded still adds its successors)',
        '2000000',
      )
      .option('--vcpus <n>', 'vCPUs of the modelled VM (1-3)', '1')
      .option('--pins <n>', 'I/O APIC pins of the modelled VM (1-3)', defaults.pins)
      .option('--no-symmetry', 'do not merge states equal up to renaming vCPUs and pins')
      .option('--out <dir>', 'folder for shortest counterexamples and deadlock traces', 'seoib-out')
      .option('--workers <n>', 'worker threads, a row each; results do not depend on it', '1')
      .option('--json', 'print one JSON object', false)
      .option(
        '--fail-on <mode>',
        'any: every violation or deadlock exits 1, documented behaviour too; unexpected: only undocumented violations',
        'any',
      );

  exploreFlags(
    program
      .command('explore')
      .description('breadth-first search of every state up to a depth: shortest counterexamples, deadlocks')
      .option('--matrix', 'every combination of the profiles (all unless narrowed)', false),
    { depth: '40', pins: '1' },
  ).action(async (options: RawExploreOptions) =>
    setExit(await explore(io, parseExploreOptions(options, 'explore'))),
  );

  exploreFlags(
    program
      .command('matrix')
      .description(
        'kernel × VMM × policy × guest verdicts proven by exhaustive search; also written as matrix.json and matrix.md',
      ),
    { depth: '60', pins: '2' },
  ).action(async (options: RawExploreOptions) =>
    setExit(await matrix(io, parseExploreOptions(options, 'matrix'))),
  );

  const kvm = program
    .command('kvm')
    .description('run traces on the real kernel (/dev/kvm, or a Debian kernel under QEMU) beside the model');
  kvm
    .command('info')
    .description("the kernel's answers to KVM_CAP_X2APIC_API questions and the kernel profile(s) they match")
    .option('--qemu <suite>', 'boot Debian <suite> (bookworm: legacy, sid: patched) under QEMU TCG instead')
    .option('--json', 'print one JSON object', false)
    .action(async (options: { qemu?: string; json: boolean }) =>
      setExit(await kvmInfo(io, kernelSource(options.qemu), options.json)),
    );
  kvm
    .command('run')
    .description(
      'run seoib-trace/1 files on the kernel, compare every observation with the model, and list the invariants the model sees violated',
    )
    .argument('<trace...>', 'trace files or directories of *.json traces')
    .option('--qemu <suite>', 'boot Debian <suite> under QEMU TCG instead of using /dev/kvm')
    .option('--json', 'print one JSON object', false)
    .action(async (paths: string[], options: { qemu?: string; json: boolean }) =>
      setExit(await kvmRun(io, paths, kernelSource(options.qemu), options.json)),
    );

  kvm
    .command('record')
    .description(
      "run traces on the kernel and write each back with the kernel's answers as expect (atomically)",
    )
    .argument('<trace...>', 'trace files or directories of *.json traces')
    .option('--qemu <suite>', 'boot Debian <suite> under QEMU TCG instead of using /dev/kvm')
    .action(async (paths: string[], options: { qemu?: string }) =>
      setExit(await kvmRecord(io, paths, kernelSource(options.qemu))),
    );
  kvm
    .command('selftest')
    .description(
      "export traces as KVM selftests, build them in Debian's kernel source of <suite>, run them on its kernel",
    )
    .argument('<trace...>', 'trace files or directories of *.json traces')
    .requiredOption(
      '--qemu <suite>',
      'Debian suite whose linux-source builds and whose kernel runs the selftests',
    )
    .option('--json', 'print one JSON object', false)
    .action(async (paths: string[], options: { qemu: string; json: boolean }) =>
      setExit(await kvmSelftest(io, paths, options.qemu, options.json)),
    );

  const exporter = program.command('export').description("the model in other tools' formats");
  exporter
    .command('machines')
    .description('the XState machines as diagrams, generated from the machine objects')
    .option('--format <names>', 'mermaid, dot, scxml, comma-separated, or all', 'all')
    .option(
      '--machine <names>',
      'vm, lapic, ioapicPin, wiring (the wires between them), comma-separated, or all',
      'all',
    )
    .option('--out <dir>', 'write <machine>.<mmd|dot|scxml> files there instead of printing them')
    .action((options: RawExportMachinesOptions) => setExit(exportMachines(io, options)));
  exporter
    .command('selftest')
    .description('a trace as a KVM selftest (tools/testing/selftests/kvm style) or a standalone C repro')
    .argument('<trace>', 'a seoib-trace/1 file')
    .option(
      '--standalone',
      'a C program on the runner harness instead (ioctl traces only): cc -O2 -o repro repro.c -I src/kvm',
      false,
    )
    .option('--out <file>', 'write the C file there instead of printing it')
    .action((trace: string, options: ExportSelftestOptions) => setExit(exportSelftest(io, trace, options)));

  kvm
    .command('diff')
    .description(
      'random traces from the whole trace format on the kernel and the model side by side, with a reach table of what the agreeing ones exercised; the first disagreement shrunk',
    )
    .option('--qemu <suite>', 'boot Debian <suite> under QEMU TCG instead of using /dev/kvm')
    .option('--seed <n>', 'seed (default: random, printed)')
    .option('--runs <n>', 'random traces', '1000')
    .option('--max-commands <n>', 'ioctls per trace at most', '20')
    .option('--kernel-profile <name>', "the model's kernel profile (default: the one the kernel matches)")
    .option('--out <dir>', 'folder for the shrunk disagreement', 'seoib-out')
    .action(async (options: RawKvmDiffOptions) =>
      setExit(await kvmDiff(io, kernelSource(options.qemu), parseKvmDiffOptions(options))),
    );

  program
    .command('advise')
    .description(
      'the Suppress EOI Broadcast flag a VMM profile should set, from exhaustive search and fuzzing',
    )
    .option('--vmm <names>', 'VMM profiles, comma-separated, or all')
    .option('--kernel <name>', 'kernel profile the advice holds for', 'upstream')
    .option('--depth <n>', 'exhaustive search: commands after the setup, at most', '40')
    .option(
      '--max-states <n>',
      'exhaustive search: stop a row once this many distinct states are stored',
      '2000000',
    )
    .option('--runs <n>', 'fuzz runs per row', '200')
    .option('--seed <n>', 'fuzz seed (default: random, printed)')
    .option('--json', 'print one JSON object', false)
    .option(
      '--fail-on <mode>',
      'any: exit 1 when some VMM has no safe flag; unexpected: only when a verdict rests on an undocumented violation',
      'any',
    )
    .action((options: RawAdviseOptions) => setExit(adviseCommand(io, options)));

  program
    .command('profiles')
    .description('list kernel, VMM and guest profiles')
    .option('--json', 'print JSON', false)
    .action((options: { json: boolean }) => setExit(listProfiles(io, options.json)));

  return program;
}

/** Runs the seoib CLI on `argv` (without node and script). Returns the exit status: 0 ok, 1 failed, 2 bad input. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT.ok;
      // Without a command commander has printed the help already.
      if (error.code !== 'commander.help')
        io.err(`seoib: ${terminalSafe(error.message.replace(/^error: /, ''))}\n`);
      return EXIT.badInput;
    }
    if (error instanceof TraceInputError || error instanceof UsageError || error instanceof OutputError) {
      io.err(`seoib: ${terminalSafe(error.message)}\n`);
      return EXIT.badInput;
    }
    // A file-system call the user's paths made fail (mkdir under /sys, a folder where a file goes).
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      const { path, syscall } = error as NodeJS.ErrnoException;
      io.err(`seoib: ${terminalSafe(`${path ?? '?'}: ${syscall ?? 'file system'} failed (${code})`)}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
}
