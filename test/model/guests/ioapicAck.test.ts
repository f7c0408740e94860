import { describe, expect, it } from 'vitest';
import type { Command } from '../../../src/model/command.js';
import { explicitIoapicEoi } from '../../../src/model/guests/ioapicAck.js';
import type { GuestPhase } from '../../../src/model/guests/program.js';
import { bootedSplit, levelPin5, runCommands } from '../../helpers.js';

const stateWith = (vmm: string, commands: Command[]) =>
  runCommands({ kernel: 'upstream', vmm, guest: 'adversarial' }, [...bootedSplit(undefined), ...commands])
    .state;
const handling = (step: 'lapicEoiDone' | 'pinMasked'): GuestPhase & { phase: 'handling' } => ({
  phase: 'handling',
  vector: 64,
  directed: false,
  step,
});
const pin5 = (fields: Partial<Extract<Command, { op: 'guest.ioapicWriteRte' }>>): Command => ({
  ...levelPin5,
  ...fields,
});

describe('explicitIoapicEoi', () => {
  it('writes the EOI register on 0x20, then the guest is idle', () => {
    const action = explicitIoapicEoi(stateWith('ioapic-0x20', [levelPin5]), handling('lapicEoiDone'));
    expect(action.command).toEqual({ op: 'guest.ioapicEoi', vector: 64 });
    expect(action.after({})).toEqual({ phase: 'idle', directed: false });
  });

  it('on 0x11, masks the level entry of the vector and switches it to edge, keeping vector and destination', () => {
    const state = stateWith('ioapic-0x11', [pin5({ pin: 3, vector: 80 }), pin5({ pin: 7, dest: 1 })]);
    const action = explicitIoapicEoi(state, handling('lapicEoiDone'));
    expect(action.command).toEqual({ ...pin5({ pin: 7, dest: 1 }), trigger: 'edge', masked: true });
    expect(action.after({})).toEqual({ ...handling('pinMasked') });
  });

  it('finds the level entry on pin 0 too', () => {
    const action = explicitIoapicEoi(stateWith('ioapic-0x11', [pin5({ pin: 0 })]), handling('lapicEoiDone'));
    expect(action.command).toEqual({ ...pin5({ pin: 0 }), trigger: 'edge', masked: true });
  });

  it('then restores that entry to level and unmasks it', () => {
    const masked = stateWith('ioapic-0x11', [pin5({ trigger: 'edge', masked: true })]);
    const action = explicitIoapicEoi(masked, handling('pinMasked'));
    expect(action.command).toEqual(levelPin5);
    expect(action.after({})).toEqual({ phase: 'idle', directed: false });
  });

  it('falls back to the EOI register where no entry of the vector is level (or, once masked, masked edge)', () => {
    const edge = stateWith('ioapic-0x11', [pin5({ trigger: 'edge' })]);
    expect(explicitIoapicEoi(edge, handling('lapicEoiDone')).command).toEqual({
      op: 'guest.ioapicEoi',
      vector: 64,
    });
    expect(explicitIoapicEoi(edge, handling('pinMasked')).command).toEqual({
      op: 'guest.ioapicEoi',
      vector: 64,
    });
    const level = stateWith('ioapic-0x11', [levelPin5]);
    expect(explicitIoapicEoi(level, handling('pinMasked')).command).toEqual({
      op: 'guest.ioapicEoi',
      vector: 64,
    });
  });
});
