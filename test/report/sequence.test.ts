import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTrace } from '../../src/check/runTrace.js';
import { parseTrace } from '../../src/model/trace.js';
import { sequenceOf } from '../../src/report/sequence.js';

const file = join(
  import.meta.dirname,
  '..',
  'corpus',
  'scenarios',
  'storm-upstream-quirk-credential-guard.json',
);
const trace = parseTrace(readFileSync(file, 'utf8'), file);
const run = runTrace(trace);

describe('sequenceOf', () => {
  it('draws ioctls from the VMM to KVM with their return, guest accesses to the LAPIC, exits and re-injections', () => {
    const arrows = sequenceOf(trace.commands, run.observations);
    expect(arrows[0]).toMatchObject({
      from: 'VMM I/O APIC',
      to: 'KVM',
      index: 0,
      reaction: null,
      violating: false,
    });
    expect(arrows[1]).toEqual({
      from: 'KVM',
      to: 'VMM I/O APIC',
      label: 'ret 0',
      index: 0,
      reaction: null,
      violating: false,
    });
    const exits = arrows.filter((a) => a.label.startsWith('KVM_EXIT_IOAPIC_EOI'));
    const deliveries = arrows.filter((a) => a.label.startsWith('deliver'));
    const observedExits = run.observations.flatMap((o) => [
      ...(o.exits ?? []),
      ...(o.reactions ?? []).flatMap((r) => r.observed.exits ?? []),
    ]);
    expect(exits).toHaveLength(observedExits.length);
    expect(exits.length).toBeGreaterThan(3);
    expect(deliveries.every((a) => a.from === 'VMM I/O APIC' && a.to === 'LAPIC')).toBe(true);
    expect(
      arrows.some((a) => a.from === 'guest' && a.to === 'LAPIC' && a.label === 'EOI' && a.reaction !== null),
    ).toBe(true);
  });

  it('marks the arrows of the violating step, and only those', () => {
    const storm = run.violations.find((v) => v.invariant === 'no-storm');
    expect(storm).toBeDefined();
    const arrows = sequenceOf(trace.commands, run.observations, storm);
    const marked = arrows.filter((a) => a.violating);
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.every((a) => a.index === storm?.index && a.reaction === storm?.reaction)).toBe(true);
    expect(arrows.filter((a) => a.index === storm?.index && a.reaction === storm?.reaction)).toEqual(marked);
  });
});
