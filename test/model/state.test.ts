import { describe, expect, it } from 'vitest';
import { initialState } from '../../src/model/state.js';

describe('initialState', () => {
  it('is a VM without irqchip or vCPUs, its I/O APIC pins reset, the clock at 0', () => {
    const state = initialState(
      { kernel: 'upstream', vmm: 'ioapic-0x11', guest: 'linux' },
      { vcpus: 2, pins: 3 },
    );
    expect(state.vm.value).toMatchObject({ irqchip: 'none', seoib: 'quirked' });
    expect(state.lapics).toEqual([null, null]);
    expect(
      state.pins.map((pin) => [pin.value, pin.context.pin, pin.context.version, pin.context.masked]),
    ).toEqual([
      ['remoteIrrClear', 0, 0x11, true],
      ['remoteIrrClear', 1, 0x11, true],
      ['remoteIrrClear', 2, 0x11, true],
    ]);
    expect(state).toMatchObject({ clockNs: 0, guest: [{ phase: 'off' }, { phase: 'off' }] });
  });

  it('refuses a profile it does not know, naming it', () => {
    expect(() =>
      initialState({ kernel: 'v9', vmm: 'ioapic-0x20', guest: 'linux' }, { vcpus: 1, pins: 1 }),
    ).toThrow('unknown profile {"kernel":"v9","vmm":"ioapic-0x20","guest":"linux"}');
  });
});
