import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Checked, checkedStep, startChecked } from '../../src/check/checkedRun.js';
import { StateKey } from '../../src/explore/stateKey.js';
import type { Command } from '../../src/model/command.js';
import { commandsFor } from '../../src/scenario/alphabet.js';
import { makeRow } from '../../src/scenario/row.js';

const config = { vcpus: 2, pins: 2 };
const row = makeRow('upstream', 'ioapic-0x20', 'adversarial', 'adversarial', config);
const table = commandsFor(row, [0, 1]);

/** Every (state, monitors) a run of table commands passes through. */
function visit(picks: readonly number[], rename: (c: Command) => Command = (c) => c) {
  let run = startChecked({ kernel: row.kernel, vmm: row.vmm, guest: row.guest }, config);
  const seen: Checked[] = [run];
  for (const pick of picks) {
    const command = rename(table[pick] as Command);
    if ('vcpu' in command && run.state.lapics[command.vcpu] == null) continue;
    run = checkedStep(run, command, 0).next;
    seen.push(run);
  }
  return seen;
}

/** What the key claims to capture, in plain JSON: the state without clock and vcpuIds order, carried monitors. */
function meaning({ state, monitors }: Checked): string {
  const vm = { ...state.vm, context: { ...state.vm.context, vcpuIds: [...state.vm.context.vcpuIds].sort() } };
  return JSON.stringify({
    ...state,
    vm,
    clockNs: 0,
    monitors: [monitors['no-unmask-before-ioapic-eoi'], monitors['no-stuck-pin']],
  });
}

const swapVcpus = (c: Command): Command => {
  const other = (n: number) => 1 - n;
  if (c.op === 'KVM_CREATE_VCPU') return { ...c, id: other(c.id) };
  if (c.op === 'guest.ioapicWriteRte') return { ...c, dest: other(c.dest) };
  return 'vcpu' in c ? { ...c, vcpu: other(c.vcpu) } : c;
};

const swapPins = (c: Command): Command => ('pin' in c ? { ...c, pin: 1 - c.pin } : c);

const picks = fc.array(fc.nat(table.length - 1), { maxLength: 25 });
const noReset = picks.map((a) => a.filter((pick) => table[pick]?.op !== 'KVM_CREATE_IRQCHIP'));

describe('StateKey', () => {
  it('without symmetry: two states share a key exactly when they mean the same (seed 73)', () => {
    fc.assert(
      fc.property(picks, picks, (a, b) => {
        const key = new StateKey(config, false);
        const keys = new Map<string, string>();
        for (const s of [...visit(a), ...visit(b)]) {
          const k = key.encode(s.state, s.monitors).join(',');
          const m = meaning(s);
          const known = keys.get(k);
          if (known !== undefined) expect(known).toBe(m);
          keys.set(k, m);
        }
        expect(new Set(keys.values()).size).toBe(keys.size);
      }),
      { seed: 73, numRuns: 60 },
    );
  });

  // Reset redirection entries point at APIC ID 0, so the initial state is not symmetric; after the driver has
  // written every entry (to vCPU 0 in one run, to vCPU 1 in the renamed one) the two runs stay renamings, as long
  // as KVM_CREATE_IRQCHIP does not reset the entries again.
  const writeAll = [0, 1].map((pin) =>
    table.findIndex((c) => c.op === 'guest.ioapicWriteRte' && c.pin === pin && c.masked && c.dest === 0),
  );

  it.each([
    ['vCPUs', swapVcpus],
    ['pins', swapPins],
  ])('with symmetry: renaming the %s gives the same key (seed 74)', (_what, rename) => {
    fc.assert(
      fc.property(noReset, (a) => {
        const symmetric = new StateKey(config, true);
        const plain = visit([...writeAll, ...a]);
        const renamed = visit([...writeAll, ...a], rename);
        expect(renamed).toHaveLength(plain.length);
        plain.forEach((s, i) => {
          const t = renamed[i] as (typeof renamed)[number];
          if (i > writeAll.length)
            expect(symmetric.encode(t.state, t.monitors).join()).toBe(
              symmetric.encode(s.state, s.monitors).join(),
            );
        });
      }),
      { seed: 74, numRuns: 60 },
    );
  });

  it('with symmetry off, a renamed state has its own key', () => {
    const key = new StateKey(config, false);
    const create = (id: number) => table.findIndex((c) => c.op === 'KVM_CREATE_VCPU' && c.id === id);
    const zero = visit([...writeAll, create(0)]).at(-1) as Checked;
    const one = visit([...writeAll, create(0)], swapVcpus).at(-1) as Checked;
    expect(key.encode(zero.state, zero.monitors).join()).not.toBe(key.encode(one.state, one.monitors).join());
    const symmetric = new StateKey(config, true);
    expect(symmetric.encode(zero.state, zero.monitors).join()).toBe(
      symmetric.encode(one.state, one.monitors).join(),
    );
  });
});
