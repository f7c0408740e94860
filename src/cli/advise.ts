import { randomInt } from 'node:crypto';
import { adviceText } from '../advise/adviceText.js';
import { type AdviseOptions, advise } from '../advise/advise.js';
import { KERNELS } from '../model/kernels.js';
import { VMMS } from '../model/vmms.js';
import { type CliIo, EXIT, UsageError } from './io.js';
import { integer, list } from './optionValues.js';

/** `seoib advise` options as commander hands them over. */
export interface RawAdviseOptions {
  vmm?: string;
  kernel: string;
  depth: string;
  maxStates: string;
  runs: string;
  seed?: string;
  json: boolean;
}

/** `seoib advise`: for each VMM profile, the flag it should set and the verdicts behind it. */
export function adviseCommand(io: CliIo, raw: RawAdviseOptions): number {
  if (raw.vmm === undefined) throw new UsageError('advise: --vmm <names> is required (or --vmm all)');
  const vmms = list('vmm', raw.vmm, [...VMMS.keys()], []);
  const [kernel] = list('kernel', raw.kernel, [...KERNELS.keys()], []);
  const options: AdviseOptions = {
    kernel: kernel as string,
    config: { vcpus: 1, pins: 2 },
    depth: integer('depth', raw.depth, 1, 200),
    maxStates: integer('max-states', raw.maxStates, 1, 50_000_000),
    runs: integer('runs', raw.runs, 1, 1_000_000),
    seed: raw.seed === undefined ? randomInt(2 ** 31) : integer('seed', raw.seed, 0, 2 ** 31 - 1),
  };
  const replay = `seoib advise --vmm ${raw.vmm} --kernel ${options.kernel} --depth ${options.depth} --max-states ${options.maxStates} --runs ${options.runs} --seed ${options.seed}`;
  const advice = vmms.map((vmm) => advise(vmm, options));
  if (raw.json) {
    io.out(`${JSON.stringify({ seed: options.seed, replay, advice }, null, 2)}\n`);
  } else {
    io.out(`seoib advise: seed ${options.seed}\nreplay: ${replay}\n\n`);
    io.out(`${advice.map(adviceText).join('\n\n')}\n`);
  }
  return EXIT.ok;
}
