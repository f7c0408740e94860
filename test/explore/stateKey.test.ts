import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Checked, checkedStep, startChecked } from '../../src/check/checkedRun.js';
import { explore } from '../../src/explore/explore.js';
import { StateKey } from '../../src/explore/stateKey.js';
import type { Command } from '../../src/model/command.js';
import { commandsFor } from '../../src/scenario/alphabet.js';
import { setupCommands } from '../../src/scenario/policy.js';
import { makeRow, type Row } from '../../src/scenario/row.js';
import { meaning, searchByMeaning } from './searchByMeaning.js';

const config = { vcpus: 2, pins: 2 };
const row = makeRow('upstream', 'ioapic-0x20', 'adversarial', 'adversarial', config);
// Built in each test, as below: work done while tests are collected is covered by no test (Stryker).
const table = () => commandsFor(row, [0, 1]);

/** Every (state, monitors) a run of the row's setup, then of its alphabet's commands `picks`, passes through. */
function visit(picks: readonly number[], rename: (c: Command) => Command = (c) => c, on: Row = row) {
  const alphabet = commandsFor(on, [0, 1]);
  let run = startChecked({ kernel: on.kernel, vmm: on.vmm, guest: on.guest }, config);
  const seen: Checked[] = [run];
  const commands = [
    ...setupCommands(on),
    ...picks.map((pick) => alphabet[pick % alphabet.length] as Command),
  ];
  for (const command of commands.map(rename)) {
    if ('vcpu' in command && run.state.lapics[command.vcpu] == null) continue;
    run = checkedStep(run, command, 0).next;
    seen.push(run);
  }
  return seen;
}

/** Where the checked run of a row stands after its policy's setup. */
function throughSetup(on: Row): Checked {
  let run = startChecked(on, on.config);
  setupCommands(on).forEach((command, index) => {
    run = checkedStep(run, command, index).next;
  });
  return run;
}

const swapVcpus = (c: Command): Command => {
  const other = (n: number) => 1 - n;
  if (c.op === 'KVM_CREATE_VCPU') return { ...c, id: other(c.id) };
  if (c.op === 'guest.ioapicWriteRte') return { ...c, dest: other(c.dest) };
  return 'vcpu' in c ? { ...c, vcpu: other(c.vcpu) } : c;
};

const swapPins = (c: Command): Command => ('pin' in c ? { ...c, pin: 1 - c.pin } : c);

const picks = () => fc.array(fc.nat(table().length - 1), { maxLength: 40 });
const noReset = () => {
  const commands = table();
  return picks().map((a) => a.filter((pick) => commands[pick]?.op !== 'KVM_CREATE_IRQCHIP'));
};

describe('StateKey', () => {
  it.each([
    ['from power-on, every ioctl and guest move', row],
    ['after ENABLE, every guest move', makeRow('upstream', 'ioapic-0x20', 'enable', 'adversarial', config)],
    ["KVM's I/O APIC after ENABLE", makeRow('upstream', 'firecracker', 'enable', 'adversarial', config)],
    ['legacy, no flag', makeRow('legacy', 'ioapic-0x11', 'none', 'adversarial', config)],
    ['Linux reacting', makeRow('upstream', 'ioapic-0x20', 'enable', 'linux', config)],
    ['Windows reacting', makeRow('upstream', 'ioapic-0x11', 'disable', 'windows-hyperv', config)],
    ['Credential Guard reacting', makeRow('upstream', 'ioapic-0x20', 'none', 'credential-guard', config)],
  ])(
    'without symmetry: two states share a key exactly when they mean the same: %s (seed 73)',
    (_what, on) => {
      fc.assert(
        fc.property(picks(), picks(), (a, b) => {
          const key = new StateKey(config, false);
          const keys = new Map<string, string>();
          for (const s of [...visit(a, undefined, on), ...visit(b, undefined, on)]) {
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
    },
  );

  // Reset redirection entries point at APIC ID 0, so the initial state is not symmetric; after the driver has
  // written every entry (to vCPU 0 in one run, to vCPU 1 in the renamed one) the two runs stay renamings, as long
  // as KVM_CREATE_IRQCHIP does not reset the entries again.
  const writingAll = () =>
    [0, 1].map((pin) =>
      table().findIndex((c) => c.op === 'guest.ioapicWriteRte' && c.pin === pin && c.masked && c.dest === 0),
    );

  it.each([
    ['vCPUs', swapVcpus],
    ['pins', swapPins],
  ])('with symmetry: renaming the %s gives the same key (seed 74)', (_what, rename) => {
    const writeAll = writingAll();
    fc.assert(
      fc.property(noReset(), (a) => {
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

  it('gives an entry destination the bits 3 vCPUs need: no destination spills into the trigger', () => {
    const three = { vcpus: 3, pins: 1 };
    const { state, monitors } = startChecked(
      { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' },
      three,
    );
    const [pin] = state.pins as [(typeof state.pins)[number]];
    const entry = (dest: number, trigger: string) =>
      ({ ...state, pins: [{ ...pin, context: { ...pin.context, dest, trigger } }] }) as typeof state;
    const key = new StateKey(three, false);
    const keys = [0, 1, 2].flatMap((dest) =>
      ['edge', 'level'].map((trigger) => key.encode(entry(dest, trigger), monitors).join()),
    );
    expect(new Set(keys).size).toBe(6);
  });

  it('has room for every monitor bit on 3 vCPUs × 3 pins, the widest layout, every vCPU created', () => {
    const widest = makeRow('upstream', 'ioapic-0x20', 'enable', 'adversarial', { vcpus: 3, pins: 3 });
    const run = throughSetup(widest);
    expect(run.state.lapics.every((lapic) => lapic !== null)).toBe(true);
    const carrying = { ...run.monitors, 'no-unmask-before-ioapic-eoi': [64, 80], 'no-stuck-pin': [2] };
    const key = new StateKey(widest.config, false);
    expect(key.encode(run.state, carrying).at(-1)).not.toBe(0);
  });

  it.each([
    [1, 19, 7],
    [2, 11, 6],
  ])(
    'encodes a key its fields fill exactly, %i vCPUs × %i pins after setup (%i words)',
    (vcpus, pins, words) => {
      const exact = makeRow('upstream', 'ioapic-0x20', 'enable', 'adversarial', { vcpus, pins });
      const run = throughSetup(exact);
      const key = new StateKey(exact.config, false);
      expect(key.words).toBe(words);
      expect(key.encode(run.state, run.monitors)).toHaveLength(words);
    },
  );

  it('with symmetry off, a renamed state has its own key', () => {
    const key = new StateKey(config, false);
    const writeAll = writingAll();
    const create = (id: number) => table().findIndex((c) => c.op === 'KVM_CREATE_VCPU' && c.id === id);
    const zero = visit([...writeAll, create(0)]).at(-1) as Checked;
    const one = visit([...writeAll, create(0)], swapVcpus).at(-1) as Checked;
    expect(key.encode(zero.state, zero.monitors).join()).not.toBe(key.encode(one.state, one.monitors).join());
    const symmetric = new StateKey(config, true);
    expect(symmetric.encode(zero.state, zero.monitors).join()).toBe(
      symmetric.encode(one.state, one.monitors).join(),
    );
  });
});

describe('explore stores exactly the states a search keyed by the whole state stores', () => {
  it.each([
    [
      'from power-on, every ioctl and guest move',
      'upstream',
      'ioapic-0x20',
      'adversarial',
      'adversarial',
      1,
      1,
      5,
    ],
    ['after ENABLE, every guest move', 'upstream', 'ioapic-0x20', 'enable', 'adversarial', 1, 2, 4],
    [
      'after ENABLE, entries moved between vCPUs',
      'upstream',
      'ioapic-0x20',
      'enable',
      'adversarial',
      2,
      1,
      5,
    ],
    ["KVM's I/O APIC", 'upstream', 'firecracker', 'enable', 'adversarial', 1, 2, 4],
    ['legacy, no flag', 'legacy', 'ioapic-0x11', 'none', 'adversarial', 1, 2, 4],
    ['Linux reacting, 2 vCPUs', 'upstream', 'ioapic-0x20', 'enable', 'linux', 2, 1, 8],
    ['Windows reacting', 'upstream', 'ioapic-0x11', 'disable', 'windows-hyperv', 1, 2, 8],
    ['Credential Guard reacting', 'upstream', 'ioapic-0x20', 'none', 'credential-guard', 1, 2, 6],
  ] as const)(
    '%s: %s/%s/%s/%s, %i vCPU × %i pins, depth %i',
    (_what, kernel, vmm, policy, guest, vcpus, pins, depth) => {
      const on = makeRow(kernel, vmm, policy, guest, { vcpus, pins });
      const counts: number[] = [];
      explore(on, { depth, maxStates: 1_000_000, symmetry: false, onLayer: (p) => counts.push(p.states) });
      expect(counts).toEqual(searchByMeaning(on, depth).counts);
    },
  );
});

/** The state after ENABLE's setup, and one variant of it per field of the key. */
function afterSetup() {
  const on = makeRow('upstream', 'ioapic-0x20', 'enable', 'adversarial', config);
  const base = visit([], undefined, on).at(-1) as Checked;
  const { state } = base;
  const lapic = state.lapics[0] as NonNullable<(typeof state.lapics)[number]>;
  const pin = state.pins[0] as (typeof state.pins)[number];
  const withLapic = (value: object, context: object = {}): Checked => ({
    ...base,
    state: {
      ...state,
      lapics: [
        { value: { ...lapic.value, ...value }, context: { ...lapic.context, ...context } },
        state.lapics[1] ?? null,
      ],
    } as typeof state,
  });
  const withPin = (value: string, context: object = {}): Checked => ({
    ...base,
    state: {
      ...state,
      pins: [{ value, context: { ...pin.context, ...context } }, state.pins[1]],
    } as typeof state,
  });
  const withGuest = (phase: object): Checked => ({
    ...base,
    state: { ...state, guest: [phase, state.guest[1]] } as typeof state,
  });
  const withVm = (value: object, context: object = {}): Checked => ({
    ...base,
    state: {
      ...state,
      vm: { value: { ...state.vm.value, ...value }, context: { ...state.vm.context, ...context } },
    } as typeof state,
  });
  const present = (lvr: string, spiv: string) => ({ apic: { present: { lvr, spiv } } });
  const handling = (vector: number, step: string) => ({ phase: 'handling', vector, directed: true, step });

  const variants: [string, Checked][] = [
    ['no vCPU 1', { ...base, state: { ...state, lapics: [lapic, null] } }],
    ['APIC absent', withLapic({ apic: 'absent' })],
    ...(['bit24Clear', 'bit24Set'] as const).flatMap((lvr) =>
      (['bit12Clear', 'bit12Set'] as const).map((spiv): [string, Checked] => [
        `LVR ${lvr}, SPIV ${spiv}`,
        withLapic(present(lvr, spiv)),
      ]),
    ),
    ['has run', withLapic({ run: lapic.value.run === 'hasRun' ? 'notRun' : 'hasRun' })],
    ['not in kernel', withLapic({}, { inKernel: !lapic.context.inKernel })],
    ['x2APIC flipped', withLapic({}, { x2apic: !lapic.context.x2apic })],
    ['CPUID set flipped', withLapic({}, { cpuidSet: !lapic.context.cpuidSet })],
    ['SPIV low bits', withLapic({}, { spivLow: lapic.context.spivLow ^ 0x100 })],
    ...(['irr', 'isr', 'tmr', 'eoiExit'] as const).flatMap((set) =>
      [[64], [80], [64, 80]].map((vectors): [string, Checked] => [
        `${set} ${vectors}`,
        withLapic({}, { [set]: vectors }),
      ]),
    ),
    ['scan requested flipped', withLapic({}, { scanRequested: !lapic.context.scanRequested })],
    ['stale EOI 64', withLapic({}, { staleEoi: 64 })],
    ['stale EOI 80', withLapic({}, { staleEoi: 80 })],
    ['guest booting', withGuest({ phase: 'booting', directed: false })],
    ['guest probing', withGuest({ phase: 'probing', directed: false })],
    ['guest idle', withGuest({ phase: 'idle', directed: false })],
    ['guest idle, directed', withGuest({ phase: 'idle', directed: true })],
    ...['accepted', 'tmrSet', 'tmrClear', 'lapicEoiDone', 'pinMasked'].flatMap((step) =>
      [64, 80].map((vector): [string, Checked] => [
        `guest handling ${vector}, ${step}`,
        withGuest(handling(vector, step)),
      ]),
    ),
    ['guest handling, not directed', withGuest({ ...handling(64, 'accepted'), directed: false })],
    ['Remote IRR flipped', withPin(pin.value === 'remoteIrrSet' ? 'idle' : 'remoteIrrSet')],
    ['I/O APIC version', withPin(pin.value, { version: pin.context.version === 0x20 ? 0x11 : 0x20 })],
    ['entry vector', withPin(pin.value, { vector: pin.context.vector === 64 ? 80 : 64 })],
    ['entry destination', withPin(pin.value, { dest: 1 - pin.context.dest })],
    ['entry trigger', withPin(pin.value, { trigger: pin.context.trigger === 'level' ? 'edge' : 'level' })],
    ['entry mask', withPin(pin.value, { masked: !pin.context.masked })],
    ['line', withPin(pin.value, { line: !pin.context.line })],
    ['no irqchip', withVm({ irqchip: 'none' })],
    ['KVM irqchip', withVm({ irqchip: 'kernel' })],
    ['quirked', withVm({ seoib: 'quirked' })],
    ['disabled', withVm({ seoib: 'disabled' })],
    ['reserved pins', withVm({}, { reservedPins: state.vm.context.reservedPins - 1 })],
    ['32-bit ids', withVm({}, { x2apicFormat: !state.vm.context.x2apicFormat })],
    [
      'broadcast quirk flipped',
      withVm({}, { broadcastQuirkDisabled: !state.vm.context.broadcastQuirkDisabled }),
    ],
    ['awaiting 64', { ...base, monitors: { ...base.monitors, 'no-unmask-before-ioapic-eoi': [64] } }],
    ['awaiting 80', { ...base, monitors: { ...base.monitors, 'no-unmask-before-ioapic-eoi': [80] } }],
    ['pin 0 excused', { ...base, monitors: { ...base.monitors, 'no-stuck-pin': [0] } }],
    ['pin 1 excused', { ...base, monitors: { ...base.monitors, 'no-stuck-pin': [1] } }],
  ];
  return { base, lapic, pin, withLapic, withPin, withVm, variants };
}

type Setup = ReturnType<typeof afterSetup>;

// Built in each test: work done while tests are collected is covered by no test (Stryker).
describe('every field the key holds changes it', () => {
  it.each([
    ['a TPR', (s: Setup) => s.withLapic({}, { tpr: 0x10 }), 'explore: TPR is not in the state key'],
    [
      'a fifth vector',
      (s: Setup) => s.withLapic({}, { irr: [32, 48, 64, 80] }),
      'explore: vector takes more than 4 values',
    ],
    [
      'a destination that is no vCPU',
      (s: Setup) => s.withPin(s.pin.value, { dest: 2 }),
      'explore: pin destination 2 is not a vCPU id',
    ],
  ])('refuses a state with %s', (_what, make, message) => {
    const setup = afterSetup();
    const key = new StateKey(config, false);
    for (const [, known] of setup.variants) key.encode(known.state, known.monitors);
    const variant = make(setup);
    expect(() => key.encode(variant.state, variant.monitors)).toThrow(message);
  });

  it.each([
    ['reserved pins', 8, (s: Setup, n: number) => s.withVm({}, { reservedPins: n })],
    [
      'SPIV low bits',
      16,
      (s: Setup, n: number) => s.withLapic({}, { spivLow: n === 0 ? s.lapic.context.spivLow : n }),
    ],
    [
      'I/O APIC version',
      2,
      (s: Setup, n: number) =>
        s.withPin(s.pin.value, { version: n === 0 ? s.pin.context.version : 0x11 + n }),
    ],
  ] as const)(
    'refuses a %s field beyond its %i codes (the other vCPU and pin hold the first)',
    (field, codes, make) => {
      const setup = afterSetup();
      const key = new StateKey(config, false);
      for (let n = 0; n < codes; n++) key.encode(make(setup, n).state, setup.base.monitors);
      expect(() => key.encode(make(setup, codes).state, setup.base.monitors)).toThrow(
        `explore: ${field} takes more than`,
      );
    },
  );

  it('no two variants of the state after setup share a key (LVR bit 24 set, SPIV bit 12 clear there)', () => {
    const { variants } = afterSetup();
    const key = new StateKey(config, false);
    const keys = variants.map(([, v]) => key.encode(v.state, v.monitors).join());
    const shared = variants.filter((_, i) => keys.indexOf(keys[i] as string) !== i).map(([what]) => what);
    expect(shared).toEqual([]);
  });

  it('is no longer than its fields: some variant sets a bit of the last word', () => {
    const { variants } = afterSetup();
    const key = new StateKey(config, false);
    expect(variants.some(([, v]) => key.encode(v.state, v.monitors).at(-1) !== 0)).toBe(true);
  });
});
