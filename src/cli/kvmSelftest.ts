import { basename } from 'node:path';
import { kernelSelftest } from '../export/kernelSelftest.js';
import { expectedFindings, reportedFindings, selftestPlan } from '../export/selftestPlan.js';
import { debianKernelTree } from '../kvm/kernelTree.js';
import { KvmUnavailable } from '../kvm/kvmUnavailable.js';
import { buildSelftests, runSelftestsInQemu, type SelftestOutcome } from '../kvm/selftestRun.js';
import { type CliIo, EXIT } from './io.js';
import { loadTraces } from './traceFiles.js';

/** The selftest name `seoib export selftest` gives a trace file: seoib_ and its name as a C identifier. */
export function selftestName(file: string): string {
  return `seoib_${basename(file, '.json').replaceAll(/[^A-Za-z0-9]+/g, '_')}`;
}

/** How a selftest ended, against what its trace says: the findings it reports, and pass or fail. */
export interface SelftestVerdict {
  /** The trace file. */
  file: string;
  /** The selftest's name. */
  name: string;
  /** Its exit status on the kernel. */
  exit: number;
  /** Findings the trace predicts ("[index.reaction] invariant"). */
  expected: string[];
  /** Findings the selftest reported. */
  reported: string[];
  /** It ended as its trace says: exit 0 with no finding predicted, or a failure reporting exactly those predicted. */
  asTraced: boolean;
  /** Its output. */
  output: string[];
}

function judged(file: string, expected: string[], outcome: SelftestOutcome): SelftestVerdict {
  const reported = reportedFindings(outcome.output);
  const same = JSON.stringify(reported) === JSON.stringify(expected);
  const asTraced =
    expected.length === 0 ? outcome.exit === 0 : outcome.exit !== 0 && outcome.exit !== -1 && same;
  return {
    file,
    name: outcome.name,
    exit: outcome.exit,
    expected,
    reported,
    asTraced,
    output: outcome.output,
  };
}

/**
 * `seoib kvm selftest`: exports each trace as a KVM selftest, builds them in Debian's kernel source of the suite
 * (tools/testing/selftests/kvm, statically), boots that suite's kernel under QEMU and runs them. Exit 0 when every
 * selftest ends as its trace says (its findings reported, or a pass), 1 otherwise, 3 without the means to build
 * or boot.
 */
export async function kvmSelftest(
  io: CliIo,
  paths: readonly string[],
  suite: string,
  json: boolean,
): Promise<number> {
  const traces = loadTraces(paths).map(({ file, trace }) => ({
    file,
    name: selftestName(file),
    source: kernelSelftest(trace, file, selftestName(file)),
    expected: expectedFindings(selftestPlan(trace, file)),
  }));
  try {
    const tree = debianKernelTree(suite);
    if (!json)
      io.out(
        `kernel source: ${tree.package} (${tree.seconds > 0 ? `prepared in ${tree.seconds.toFixed(1)} s` : 'cached'})\n`,
      );
    const built = buildSelftests(tree, traces);
    if (!json)
      io.out(`built ${traces.length} selftest(s) in ${tree.selftests} in ${built.seconds.toFixed(1)} s\n`);
    const ran = await runSelftestsInQemu(suite, built.binaries, 600_000);
    const verdicts = ran.outcomes.map((outcome, k) => {
      const trace = traces[k] as (typeof traces)[number];
      return judged(trace.file, trace.expected, outcome);
    });
    const wrong = verdicts.filter((v) => !v.asTraced).length;
    if (json) {
      const report = {
        kernel: ran.kernel,
        tree: tree.package,
        source: tree.root,
        buildSeconds: built.seconds,
        runSeconds: ran.seconds,
        selftests: verdicts,
      };
      io.out(`${JSON.stringify(report, null, 2)}\n`);
      return wrong === 0 ? EXIT.ok : EXIT.failed;
    }
    io.out(`ran on ${ran.kernel} in ${ran.seconds.toFixed(1)} s (boot included)\n\n`);
    for (const v of verdicts) {
      const how = v.exit === 0 ? 'PASS' : v.exit === -1 ? 'DID NOT FINISH' : `FAIL (exit ${v.exit})`;
      io.out(`${how} ${v.name}: ${v.asTraced ? 'as its trace says' : 'NOT as its trace says'}\n`);
      for (const line of v.output.filter((l) => l.startsWith('seoib finding: ') || !v.asTraced))
        io.out(`  ${line}\n`);
      if (!v.asTraced) io.out(`  expected findings: ${v.expected.join(', ') || 'none'}\n`);
    }
    io.out(
      `\n${wrong === 0 ? 'every selftest ended as its trace says' : `${wrong} selftest(s) did not end as their traces say`}\n`,
    );
    return wrong === 0 ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (!(error instanceof KvmUnavailable)) throw error;
    io.err(`seoib kvm: ${error.message}\n`);
    return EXIT.noKernel;
  }
}
