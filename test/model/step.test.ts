import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command } from '../../src/model/command.js';
import { initialState, type ModelState } from '../../src/model/state.js';
import { MAX_REACTIONS, step } from '../../src/model/step.js';
import { anyTrace } from '../arbitraries.js';
import { levelPin5, orderedSetup, runCommands } from '../helpers.js';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function serial(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

describe('step (seed 2001)', () => {
  it('is pure and deterministic: frozen inputs, equal outputs for equal inputs', () => {
    fc.assert(
      fc.property(anyTrace(), (trace) => {
        let a: ModelState = deepFreeze(initialState(trace.profile, trace.config));
        let b: ModelState = initialState(trace.profile, trace.config);
        for (const command of trace.commands) {
          const before = serial(a);
          const ra = step(a, deepFreeze(command));
          const rb = step(b, structuredClone(command));
          expect(serial(a)).toBe(before);
          expect(serial(ra)).toBe(serial(rb));
          a = deepFreeze(ra.state);
          b = rb.state;
        }
      }),
      { seed: 2001, numRuns: 200 },
    );
  });

  it('bounds guest reactions per command', () => {
    fc.assert(
      fc.property(anyTrace(), (trace) => {
        let state = initialState(trace.profile, trace.config);
        for (const command of trace.commands) {
          const result = step(state, command);
          expect(result.observation.reactions?.length ?? 0).toBeLessThanOrEqual(MAX_REACTIONS);
          state = result.state;
        }
      }),
      { seed: 2001, numRuns: 200 },
    );
  });
});

describe('step: composition', () => {
  it('turns a guest EOI in split QUIRKED mode into KVM_EXIT_IOAPIC_EOI and a VMM re-delivery', () => {
    const commands: Command[] = [
      ...orderedSetup(undefined),
      { op: 'guest.wrmsr', vcpu: 0, msr: 0x80f, value: 0x1ffn },
      levelPin5,
      { op: 'device.setLine', pin: 5, level: 1 },
      { op: 'guest.acceptInterrupt', vcpu: 0 },
      { op: 'guest.eoi', vcpu: 0 },
    ];
    const { observations } = runCommands(
      { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' },
      commands,
    );
    expect(observations.at(-1)).toEqual({ exits: [64], deliveries: [64] });
  });

  it('hands the I/O APIC to KVM on KVM_CREATE_IRQCHIP, whose 0x11 has no EOI register', () => {
    const commands: Command[] = [
      { op: 'KVM_CREATE_IRQCHIP' },
      { op: 'KVM_CREATE_VCPU', id: 0 },
      { op: 'KVM_SET_CPUID2', vcpu: 0, x2apic: true },
      { op: 'KVM_SET_LAPIC', vcpu: 0, spiv: 0x11ff, irr: [], isr: [], tmr: [] },
      levelPin5,
      { op: 'device.setLine', pin: 5, level: 1 },
      { op: 'guest.acceptInterrupt', vcpu: 0 },
      { op: 'device.setLine', pin: 5, level: 0 },
      { op: 'guest.eoi', vcpu: 0 },
      { op: 'guest.ioapicEoi', vector: 64 },
    ];
    const { state } = runCommands({ kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' }, commands);
    expect(state.ioapic).toBe('kernel');
    expect(state.pins[5]?.context.version).toBe(0x11);
    expect(state.pins[5]?.value).toBe('remoteIrrSet');
  });

  it('delivers to the destination vCPU only, and drops interrupts for a vCPU that does not exist', () => {
    const commands: Command[] = [
      { op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_SPLIT_IRQCHIP', args: [24] },
      { op: 'KVM_CREATE_VCPU', id: 0 },
      { op: 'KVM_CREATE_VCPU', id: 1 },
      { op: 'KVM_SET_CPUID2', vcpu: 1, x2apic: true },
      { op: 'guest.wrmsr', vcpu: 1, msr: 0x80f, value: 0x1ffn },
      { ...levelPin5, dest: 1 },
      { op: 'device.setLine', pin: 5, level: 1 },
      { op: 'guest.ioapicWriteRte', pin: 6, vector: 80, trigger: 'edge', masked: false, dest: 3 },
      { op: 'device.setLine', pin: 6, level: 1 },
    ];
    const { observations, state } = runCommands(
      { kernel: 'upstream', vmm: 'ioapic-0x20', guest: 'adversarial' },
      commands,
      { vcpus: 4, pins: 24 },
    );
    expect(observations[6]?.deliveries).toEqual([64]);
    expect(state.lapics[1]?.context.irr).toEqual([64]);
    expect(state.lapics[0]?.context.irr).toEqual([]);
    expect(observations[8]?.deliveries).toEqual([]);
  });
});
