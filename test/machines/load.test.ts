import { describe, expect, it } from 'vitest';
import { initialTransition } from 'xstate';
import { ioapicPinMachine, NO_QUIRKS } from '../../machines/ioapicPin.js';
import { lapicMachine } from '../../machines/lapic.js';
import { vmMachine } from '../../machines/vm.js';
import { KERNELS } from '../../src/model/kernels.js';

describe('the machines start in their documented reset states', () => {
  it('vm: no irqchip, the legacy quirk, no vCPU', () => {
    const traits = KERNELS.get('upstream')?.traits;
    if (traits === undefined) throw new Error('no upstream profile');
    const [snapshot] = initialTransition(vmMachine, { traits });
    expect(snapshot.value).toEqual({ irqchip: 'none', seoib: 'quirked', vcpus: 'none' });
    expect(Object.keys(vmMachine.root.states.seoib?.states ?? {})).toEqual([
      'quirked',
      'enabled',
      'disabled',
    ]);
  });

  it('lapic: never run; an in-kernel APIC with LVR bit 24 and SPIV bit 12 clear, else none', () => {
    const [inKernel] = initialTransition(lapicMachine, { id: 0, inKernel: true, rescansStaleEoi: true });
    expect(inKernel.value).toEqual({
      run: 'neverRun',
      apic: { present: { lvr: 'bit24Clear', spiv: 'bit12Clear' } },
    });
    expect(inKernel.context).toMatchObject({ scanRequested: false, staleEoi: -1, x2apic: false });
    const present = lapicMachine.root.states.apic?.states.present?.states;
    expect(Object.keys(present?.lvr?.states ?? {})).toEqual(['bit24Clear', 'bit24Set']);
    expect(Object.keys(present?.spiv?.states ?? {})).toEqual(['bit12Clear', 'bit12Set']);
    const [none] = initialTransition(lapicMachine, { id: 0, inKernel: false, rescansStaleEoi: true });
    expect(none.value).toEqual({ run: 'neverRun', apic: 'absent' });
  });

  it('ioapicPin: Remote IRR clear', () => {
    const [pin] = initialTransition(ioapicPinMachine, {
      pin: 0,
      version: 0x20,
      quirks: NO_QUIRKS,
      inKernel: false,
    });
    expect(pin.value).toBe('remoteIrrClear');
  });
});
