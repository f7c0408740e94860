/**
 * Exhaustive search speed and memory against Spin on the same models, in one run. Two rows, 2 vCPUs and 2 pins:
 *   upstream/ioapic-0x20/enable/adversarial  breadth-first to 6 commands, seoib with and without symmetry
 *   upstream/ioapic-0x20/enable/linux        a reacting guest, breadth-first to its fixpoint
 * Spin explores bench/promela/<guest>.pml breadth-first to the same depth (Debian package `spin`, installed here
 * with apt-get when missing). The two must store the same number of distinct states at every depth (seoib without
 * symmetry): otherwise they explore different models, and the bench says where they part, prints no ratio and
 * exits 1.
 */
import { explore } from '../src/explore/explore.js';
import { makeRow, type Row } from '../src/scenario/row.js';
import { type SpinRun, spinModel } from './spin.js';

const BENCH_ROWS = [
  { guest: 'adversarial', depth: 6 },
  // Its fixpoint: no new state after 15 commands.
  { guest: 'linux', depth: 16 },
] as const;

interface Rate {
  states: number;
  seconds: number;
  bytesPerState: number;
  /** Distinct states stored within 1, 2, ... DEPTH commands. */
  byDepth: number[];
}

function seoib(row: Row, depth: number, symmetry: boolean): Rate {
  const byDepth: number[] = [];
  const started = performance.now();
  const result = explore(row, {
    depth,
    maxStates: 50_000_000,
    symmetry,
    onLayer: (layer) => byDepth.push(layer.states),
  });
  return {
    states: result.states,
    seconds: (performance.now() - started) / 1000,
    bytesPerState: result.bytesPerState,
    byDepth,
  };
}

/** Spin's own counters: states stored (at each depth too), elapsed seconds, and memory beyond a depth-1 run's, per state. */
function spin(guest: string, depth: number): Rate | string {
  const run = spinModel(guest, true);
  if (typeof run === 'string') return run;
  const runs = Array.from({ length: depth }, (_, d) => run(d + 1));
  // Depth 1 stores a few dozen states: its memory is pan's own (the hash table), which a state does not cost.
  const [empty, full] = [runs[0], runs[depth - 1]] as [SpinRun, SpinRun];
  return {
    states: full.states,
    seconds: full.seconds,
    bytesPerState: ((full.megabytes - empty.megabytes) * 1024 * 1024) / full.states,
    byDepth: runs.map((r) => r.states),
  };
}

function line(name: string, rate: Rate): string {
  const perSecond = Math.round(rate.states / Math.max(rate.seconds, 1e-3));
  return `${name.padEnd(28)} ${String(rate.states).padStart(9)} states  ${rate.seconds.toFixed(2).padStart(7)} s  ${String(perSecond).padStart(8)} states/s  ${rate.bytesPerState.toFixed(1).padStart(6)} bytes/state`;
}

for (const { guest, depth } of BENCH_ROWS) {
  const row = makeRow('upstream', 'ioapic-0x20', 'enable', guest, { vcpus: 2, pins: 2 });
  console.log(
    `bench:explore  ${row.kernel}/${row.vmm}/${row.policy}/${row.guest}, 2 vCPUs, 2 pins, depth ${depth}`,
  );
  // explore() merges renamings only for the guest without a program.
  if (guest === 'adversarial') console.log(line('seoib explore (symmetry)', seoib(row, depth, true)));
  const without = seoib(row, depth, false);
  console.log(line('seoib explore (no symmetry)', without));
  const peer = spin(guest, depth);
  if (typeof peer === 'string') {
    console.log(`spin: skipped (${peer})`);
  } else {
    console.log(line('spin -DBFS', peer));
    const parted = without.byDepth.findIndex((states, d) => states !== peer.byDepth[d]);
    if (parted >= 0) {
      console.log(
        `no ratio: at depth ${parted + 1} seoib stores ${without.byDepth[parted]} states and Spin ${peer.byDepth[parted]}: bench/promela/${guest}.pml no longer models what seoib explores`,
      );
      process.exitCode = 1;
    } else {
      console.log(`same distinct states at every depth 1-${depth}: ${without.byDepth.join(', ')}`);
      const ours = without.states / without.seconds;
      const theirs = peer.states / peer.seconds;
      console.log(`seoib/spin states/s: ${(ours / theirs).toFixed(3)}x (target ≥ 1.0x)`);
    }
  }
  console.log(`seoib bytes per stored state: ${without.bytesPerState.toFixed(1)} (target ≤ 32)`);
}
