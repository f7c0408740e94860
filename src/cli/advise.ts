import { randomInt } from 'node:crypto';
import { adviceText } from '../advise/adviceText.js';
import { type Advice, type AdviseOptions, advise } from '../advise/advise.js';
import type { FailOn } from '../invariants/failOn.js';
import { KERNELS } from '../model/kernels.js';
import { VMMS } from '../model/vmms.js';
import { type CliIo, EXIT, UsageError } from './io.js';
import { failOn, failOnFlag, integer, list } from './optionValues.js';

/** `seoib advise` options as commander hands them over. */
export interface RawAdviseOptions {
  vmm?: string;
  kernel: string;
  depth: string;
  maxStates: string;
  runs: string;
  seed?: string;
  json: boolean;
  failOn?: string;
}

/**
 * The user asked which flag each VMM should set: under `any` a VMM for which no flag is safe fails (whatever it
 * sets, some guest storms, strands or deadlocks); under `unexpected` only a verdict resting on an undocumented
 * violation does.
 */
function adviseVerdict(advice: readonly Advice[], mode: FailOn): { code: number; line: string } {
  if (mode === 'any') {
    const unsafe = advice.filter((a) => a.recommended === null).map((a) => a.vmm);
    return unsafe.length === 0
      ? {
          code: EXIT.ok,
          line: 'verdict: PASS (--fail-on any): every VMM has a flag that is safe for every guest',
        }
      : {
          code: EXIT.failed,
          line: `verdict: FAIL (--fail-on any): no flag is safe for every guest on ${unsafe.join(', ')}`,
        };
  }
  const unexpected = advice.flatMap((a) =>
    a.policies.flatMap((p) =>
      p.guests.flatMap((g) => g.unexpected.map((id) => `${id} on ${a.vmm}/${p.policy}/${g.guest}`)),
    ),
  );
  return unexpected.length === 0
    ? { code: EXIT.ok, line: 'verdict: PASS (--fail-on unexpected): no undocumented violation' }
    : { code: EXIT.failed, line: `verdict: FAIL (--fail-on unexpected): ${unexpected.join(', ')}` };
}

/** `seoib advise`: for each VMM profile, the flag it should set and the verdicts behind it. */
export function adviseCommand(io: CliIo, raw: RawAdviseOptions): number {
  if (raw.vmm === undefined) throw new UsageError('advise: --vmm <names> is required (or --vmm all)');
  const vmms = list('vmm', raw.vmm, [...VMMS.keys()], []);
  const kernels = list('kernel', raw.kernel, [...KERNELS.keys()], []);
  if (kernels.length !== 1)
    throw new UsageError(
      `--kernel: advice holds for one kernel profile; got ${kernels.length} (${raw.kernel})`,
    );
  const [kernel] = kernels;
  const mode = failOn(raw.failOn);
  const options: AdviseOptions = {
    kernel: kernel as string,
    config: { vcpus: 1, pins: 2 },
    depth: integer('depth', raw.depth, 1, 200),
    maxStates: integer('max-states', raw.maxStates, 1, 50_000_000),
    runs: integer('runs', raw.runs, 1, 1_000_000),
    seed: raw.seed === undefined ? randomInt(2 ** 31) : integer('seed', raw.seed, 0, 2 ** 31 - 1),
  };
  const replay = [
    `seoib advise --vmm ${raw.vmm} --kernel ${options.kernel} --depth ${options.depth} --max-states ${options.maxStates} --runs ${options.runs} --seed ${options.seed}`,
    ...failOnFlag(mode),
  ].join(' ');
  const advice = vmms.map((vmm) => advise(vmm, options));
  const judged = adviseVerdict(advice, mode);
  if (raw.json) {
    const verdict = { failOn: mode, passed: judged.code === EXIT.ok };
    io.out(`${JSON.stringify({ seed: options.seed, replay, advice, verdict }, null, 2)}\n`);
  } else {
    io.out(`seoib advise: seed ${options.seed}\nreplay: ${replay}\n\n`);
    io.out(`${advice.map(adviceText).join('\n\n')}\n\n${judged.line}\n`);
  }
  return judged.code;
}
