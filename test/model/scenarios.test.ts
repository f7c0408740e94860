import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/model/command.js';
import type { Observation } from '../../src/model/observation.js';
import { MAX_REACTIONS } from '../../src/model/step.js';
import { levelPin5, orderedSetup, runCommands } from '../helpers.js';

const assert5: Command = { op: 'device.setLine', pin: 5, level: 1 };

/** Deliveries of vector 64 inside the guest's reactions before its first I/O APIC EOI. */
function redeliveriesBeforeIoapicEoi(observation: Observation): number {
  let count = 0;
  for (const reaction of observation.reactions ?? []) {
    if (reaction.command.op === 'guest.ioapicEoi') break;
    count += (reaction.observed.deliveries ?? []).filter((v) => v === 64).length;
  }
  return count;
}

function scenario(kernel: string, vmm: string, guest: string, flags: number | undefined) {
  return runCommands({ kernel, vmm, guest }, [...orderedSetup(flags), levelPin5, assert5, assert5]);
}

describe('the interrupt storm (QUIRKED split, guest relies on suppression)', () => {
  it.each(['legacy', 'upstream'])(
    '%s without flags + credential-guard re-delivers until the reaction bound',
    (kernel) => {
      const { observations, state } = scenario(kernel, 'ioapic-0x20', 'credential-guard', undefined);
      const storm = observations[observations.length - 2] as Observation;
      expect(storm.reactions).toHaveLength(MAX_REACTIONS);
      expect(redeliveriesBeforeIoapicEoi(storm)).toBeGreaterThanOrEqual(MAX_REACTIONS / 2 - 1);
      expect(storm.reactions?.every((r) => r.command.op !== 'guest.ioapicEoi')).toBe(true);
      expect(state.pins[5]?.context.line).toBe(true);
    },
  );
});

describe('the stuck interrupt (ENABLED, I/O APIC without an EOI register)', () => {
  it.each(['windows-hyperv', 'credential-guard'])(
    'upstream ENABLE + 0x11 + %s: Remote IRR never clears',
    (guest) => {
      const { observations, state } = scenario('upstream', 'ioapic-0x11', guest, 4);
      const first = observations[observations.length - 2] as Observation;
      const ops = (first.reactions ?? []).map((r) => r.command.op);
      expect(ops).toContain('guest.ioapicEoi');
      expect(first.reactions?.find((r) => r.command.op === 'guest.eoi')?.observed.exits).toEqual([]);
      expect(observations[observations.length - 1]?.deliveries).toEqual([]);
      expect(state.pins[5]?.value).toBe('remoteIrrSet');
    },
  );
});

describe('correct configurations show neither', () => {
  it.each([
    ['ioapic-0x20', 'credential-guard', 4],
    ['ioapic-0x20', 'windows-hyperv', 4],
    ['ioapic-0x20', 'linux', 4],
    ['ioapic-0x11', 'credential-guard', 8],
    ['ioapic-0x11', 'windows-hyperv', 8],
    ['ioapic-0x11', 'linux', 8],
    ['ioapic-0x20', 'credential-guard', 8],
  ] as const)('upstream + %s + %s with flags %i', (vmm, guest, flags) => {
    const { observations, state } = scenario('upstream', vmm, guest, flags);
    for (const observation of observations) {
      expect(observation.reactions?.length ?? 0).toBeLessThan(MAX_REACTIONS);
      expect(redeliveriesBeforeIoapicEoi(observation)).toBe(0);
    }
    expect(observations[observations.length - 1]?.deliveries).toEqual([64]);
    expect(state.pins[5]?.value).toBe('remoteIrrClear');
  });
});
