import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/model/command.js';
import { execute } from '../../src/model/step.js';
import { bootedSplit, levelPin5, runCommands } from '../helpers.js';

const line = (level: 0 | 1): Command => ({ op: 'device.setLine', pin: 5, level });
const accept: Command = { op: 'guest.acceptInterrupt', vcpu: 0 };
const eoi: Command = { op: 'guest.eoi', vcpu: 0 };
const ioapicEoi: Command = { op: 'guest.ioapicEoi', vector: 64 };

/** The pins an EOI unmasked (cleared Remote IRR or re-delivered) when `command` runs after `setup`. */
function eoiedBy(vmm: string, setup: Command[], command: Command): readonly number[] {
  const { state } = runCommands({ kernel: 'upstream', vmm, guest: 'adversarial' }, setup);
  return execute(state, command).eoiedPins;
}

describe('sendToPin: pins an EOI unmasked', () => {
  const inService = [levelPin5, line(1), accept];

  it('a broadcast EOI that clears Remote IRR, or re-delivers the still-asserted line', () => {
    expect(eoiedBy('ioapic-0x20', [...bootedSplit(undefined), ...inService, line(0)], eoi)).toEqual([5]);
    expect(eoiedBy('ioapic-0x20', [...bootedSplit(undefined), ...inService], eoi)).toEqual([5]);
  });

  it('not an EOI the I/O APIC ignores (0x11 has no EOI register), nor one for a pin without Remote IRR', () => {
    const directed = [...bootedSplit(4, 0x11ff), ...inService, eoi];
    expect(eoiedBy('ioapic-0x11', directed, ioapicEoi)).toEqual([]);
    expect(eoiedBy('ioapic-0x20', [...directed, line(0), ioapicEoi], ioapicEoi)).toEqual([]);
  });

  it('not an edge switch, though it clears Remote IRR too', () => {
    const edge: Command = { ...levelPin5, trigger: 'edge' };
    const { state } = runCommands({ kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' }, [
      ...bootedSplit(undefined),
      ...inService,
    ]);
    const switched = execute(state, edge);
    expect(switched.after.pins[5]?.value).toBe('remoteIrrClear');
    expect(switched.eoiedPins).toEqual([]);
  });
});
