import { describe, expect, it } from 'vitest';
import {
  deliverableVector,
  type LapicContext,
  type LapicEmitted,
  type LapicEvent,
  type LapicValue,
  lapicMachine,
  lvrValue,
  processorPriority,
  readLapicRegister,
  readMsr,
  spivValue,
  x2apicLdr,
} from '../../machines/lapic.js';
import type { VmValue } from '../../machines/vm.js';
import { advance, type Persisted, start } from '../../src/model/drive.js';

type Lapic = Persisted<LapicValue, LapicContext>;

function send(lapic: Lapic, ...events: LapicEvent[]): { lapic: Lapic; emitted: LapicEmitted[] } {
  const emitted: LapicEmitted[] = [];
  let current = lapic;
  for (const event of events) {
    const r = advance(lapicMachine, current, event);
    current = r.next;
    emitted.push(...r.emitted);
  }
  return { lapic: current, emitted };
}

const split = (seoib: VmValue['seoib']): VmValue => ({ irqchip: 'split', seoib, vcpus: 'some' });
const fresh = (): Lapic => start(lapicMachine, { id: 0, inKernel: true, rescansStaleEoi: true });
const wrmsr = (msr: number, value: number, vm: VmValue = split('quirked')): LapicEvent => ({
  type: 'WRMSR',
  msr,
  value,
  highBits: false,
  vm,
});
const retired = (vector: number): LapicEmitted => ({ type: 'retired', vector });
const x2apic = (advertise: boolean): LapicEvent => ({ type: 'SET_CPUID2', x2apic: true, advertise });

describe('lapic machine: LVR and SPIV', () => {
  it('starts with LVR 0x50014, SPIV 0xff, and no x2APIC', () => {
    const lapic = fresh();
    expect(lvrValue(lapic.value)).toBe(0x50014);
    expect(spivValue(lapic.value, lapic.context)).toBe(0xff);
    expect(readMsr(lapic.value, lapic.context, 0x803)).toBe('fault');
  });

  it('sets LVR bit 24 on KVM_SET_CPUID2 only with x2APIC and advertise', () => {
    expect(lvrValue(send(fresh(), x2apic(true)).lapic.value)).toBe(0x1050014);
    expect(lvrValue(send(fresh(), x2apic(false)).lapic.value)).toBe(0x50014);
    expect(lvrValue(send(fresh(), { type: 'SET_CPUID2', x2apic: false, advertise: true }).lapic.value)).toBe(
      0x50014,
    );
  });

  it('keeps SPIV bit 12 from a guest write only while the stored LVR has bit 24', () => {
    const kept = send(fresh(), x2apic(true), wrmsr(0x80f, 0x11ff)).lapic;
    expect(readMsr(kept.value, kept.context, 0x80f)).toBe(0x11ff);
    const dropped = send(fresh(), x2apic(false), wrmsr(0x80f, 0x11ff)).lapic;
    expect(readMsr(dropped.value, dropped.context, 0x80f)).toBe(0x1ff);
  });

  it('stores SPIV raw through KVM_SET_LAPIC and recomputes LVR from the mode, not the page', () => {
    const { lapic, emitted } = send(send(fresh(), x2apic(false)).lapic, {
      type: 'SET_LAPIC',
      spiv: 0x11ff,
      irr: [],
      isr: [80],
      tmr: [80],
      advertise: false,
    });
    expect(emitted).toEqual([
      { type: 'apicMapChanged' },
      { type: 'stateRestored', vcpu: 0 },
      { type: 'ret', value: 0 },
    ]);
    expect(readLapicRegister(lapic.value, lapic.context, 0xf0)).toBe(0x11ff);
    expect(readLapicRegister(lapic.value, lapic.context, 0x30)).toBe(0x50014);
    expect(readLapicRegister(lapic.value, lapic.context, 0x120)).toBe(1 << 16);
  });

  it('recomputes LVR bit 24 at INIT from CPUID and the mode', () => {
    const x2 = send(fresh(), x2apic(true)).lapic;
    expect(lvrValue(send(x2, { type: 'INIT', advertise: false }).lapic.value)).toBe(0x50014);
    expect(lvrValue(send(x2, { type: 'INIT', advertise: true }).lapic.value)).toBe(0x1050014);
  });

  it('freezes CPUID after the vCPU ran: identical is a no-op, different is -EINVAL', () => {
    const ran = send(fresh(), x2apic(true), { type: 'RUN' }).lapic;
    const same = send(ran, x2apic(false));
    expect(same.emitted).toEqual([{ type: 'ret', value: 0 }]);
    expect(lvrValue(same.lapic.value)).toBe(0x1050014);
    expect(send(ran, { type: 'SET_CPUID2', x2apic: false, advertise: false }).emitted).toEqual([
      { type: 'ret', value: -22 },
    ]);
  });

  it('INIT restores SPIV 0xff, clears IRR/ISR/TMR and recomputes LVR', () => {
    const busy = send(fresh(), x2apic(true), wrmsr(0x80f, 0x11ff), {
      type: 'DELIVER',
      vector: 64,
      level: true,
    }).lapic;
    const reset = send(busy, { type: 'INIT', advertise: false }).lapic;
    expect(spivValue(reset.value, reset.context)).toBe(0xff);
    expect(lvrValue(reset.value)).toBe(0x50014);
    expect(reset.context).toMatchObject({ irr: [], isr: [], tmr: [] });
  });

  it('raises #GP for bits 63:32, read-only and unknown registers, and without x2APIC', () => {
    const lapic = send(fresh(), x2apic(true)).lapic;
    expect(send(lapic, { ...wrmsr(0x80f, 0x1ff), highBits: true } as LapicEvent).emitted).toEqual([
      { type: 'fault' },
    ]);
    expect(send(lapic, wrmsr(0x803, 0)).emitted).toEqual([{ type: 'fault' }]);
    expect(readMsr(lapic.value, lapic.context, 0x801)).toBe('fault');
    expect(send(fresh(), wrmsr(0x80b, 0)).emitted).toEqual([{ type: 'fault' }]);
  });

  it('has no registers without an in-kernel LAPIC', () => {
    const absent = start(lapicMachine, {
      id: 0,
      inKernel: false,
      rescansStaleEoi: true,
    });
    expect(absent.value.apic).toBe('absent');
    expect(
      send(absent, { type: 'SET_LAPIC', spiv: 0x1ff, irr: [], isr: [], tmr: [], advertise: true }).emitted,
    ).toEqual([{ type: 'ret', value: -22 }]);
    expect(send(absent, { type: 'DELIVER', vector: 64, level: true }).emitted).toEqual([
      { type: 'dropped', vector: 64 },
    ]);
  });
});

describe('lapic machine: delivery, acceptance and EOI', () => {
  const enabled = () => send(fresh(), x2apic(true), wrmsr(0x80f, 0x1ff)).lapic;

  it('drops interrupts while the APIC is software-disabled (SPIV bit 8 clear)', () => {
    expect(send(fresh(), { type: 'DELIVER', vector: 64, level: true }).emitted).toEqual([
      { type: 'dropped', vector: 64 },
    ]);
    expect(send(enabled(), { type: 'DELIVER', vector: 64, level: true }).emitted).toEqual([
      { type: 'injected', vector: 64 },
    ]);
  });

  it('takes nothing into service when nothing is deliverable', () => {
    const { lapic, emitted } = send(enabled(), { type: 'ACCEPT' });
    expect(emitted).toEqual([{ type: 'accepted', vector: null }]);
    expect(lapic.context).toMatchObject({ irr: [], isr: [] });
  });

  it('accepts the highest vector whose priority class beats the one in service', () => {
    const a = send(
      enabled(),
      { type: 'DELIVER', vector: 64, level: false },
      { type: 'DELIVER', vector: 70, level: false },
    ).lapic;
    expect(deliverableVector(a.context)).toBe(70);
    const b = send(a, { type: 'ACCEPT' });
    expect(b.emitted).toEqual([{ type: 'accepted', vector: 70 }]);
    // 64 is in the same class (4) as 70 in service: not deliverable.
    expect(send(b.lapic, { type: 'ACCEPT' }).emitted).toEqual([{ type: 'accepted', vector: null }]);
  });

  function inService(spiv: number, routed: boolean): Lapic {
    const event: LapicEvent = { type: 'SCAN_ROUTES', targeted: routed ? [64] : [], elsewhere: [] };
    return send(
      send(fresh(), x2apic(true), wrmsr(0x80f, spiv)).lapic,
      event,
      { type: 'DELIVER', vector: 64, level: true },
      {
        type: 'ACCEPT',
      },
    ).lapic;
  }

  it.each([
    ['quirked', 0x11ff, [{ type: 'eoiExit', vector: 64 }]],
    ['enabled', 0x11ff, [{ type: 'eoiSuppressed', vector: 64 }]],
    ['enabled', 0x1ff, [{ type: 'eoiExit', vector: 64 }]],
    ['disabled', 0x11ff, [{ type: 'eoiExit', vector: 64 }]],
  ] as const)('split %s with SPIV %s: EOI emits %j, and retires the vector', (seoib, spiv, expected) => {
    const { lapic, emitted } = send(inService(spiv, true), wrmsr(0x80b, 0, split(seoib)));
    expect(emitted).toEqual([...expected, retired(64)]);
    expect(lapic.context.isr).toEqual([]);
  });

  it('does not tell the I/O APIC about vectors outside the EOI-exit bitmap', () => {
    expect(send(inService(0x1ff, false), wrmsr(0x80b, 0)).emitted).toEqual([retired(64)]);
    const idle = send(fresh(), x2apic(true), wrmsr(0x80f, 0x1ff)).lapic;
    expect(send(idle, wrmsr(0x80b, 0)).emitted).toEqual([]);
  });

  it("with the in-kernel I/O APIC hands over level EOIs only, and honours SPIV bit 12 in quirk mode; KVM's I/O APIC hears of each (its RTC tracking)", () => {
    const kernel: VmValue = { irqchip: 'kernel', seoib: 'quirked', vcpus: 'some' };
    const level = send(
      fresh(),
      x2apic(false),
      { type: 'SET_LAPIC', spiv: 0x1ff, irr: [], isr: [64], tmr: [64], advertise: false },
      {
        type: 'SCAN_ROUTES',
        targeted: [64],
        elsewhere: [],
      },
    ).lapic;
    const heard = { type: 'kvmIoapicEoi', vcpu: 0, vector: 64 };
    expect(send(level, { type: 'EOI', vm: kernel }).emitted).toEqual([
      heard,
      { type: 'ioapicEoi', vector: 64 },
      retired(64),
    ]);
    const directed = send(level, {
      type: 'SET_LAPIC',
      spiv: 0x11ff,
      irr: [],
      isr: [64],
      tmr: [64],
      advertise: false,
    }).lapic;
    expect(send(directed, { type: 'EOI', vm: kernel }).emitted).toEqual([
      { type: 'eoiSuppressed', vector: 64 },
      heard,
      retired(64),
    ]);
    const split: VmValue = { ...kernel, irqchip: 'split', seoib: 'enabled' };
    expect(send(directed, { type: 'EOI', vm: split }).emitted).toEqual([
      { type: 'eoiSuppressed', vector: 64 },
      retired(64),
    ]);
    const edge = send(level, {
      type: 'SET_LAPIC',
      spiv: 0x1ff,
      irr: [],
      isr: [64],
      tmr: [],
      advertise: false,
    }).lapic;
    expect(send(edge, { type: 'EOI', vm: kernel }).emitted).toEqual([heard, retired(64)]);
  });

  it('keeps a vector routed to another vCPU in the EOI-exit bitmap only while it is pending here', () => {
    const pending = send(
      enabled(),
      { type: 'DELIVER', vector: 64, level: true },
      { type: 'SCAN_ROUTES', targeted: [], elsewhere: [64, 80] },
    ).lapic;
    expect(pending.context.eoiExit).toEqual([64]);
    expect(pending.context.staleEoi).toBe(64);
  });

  it('acts on a scan request only when scanned, and a scan consumes it', () => {
    const requested = send(enabled(), { type: 'REQUEST_SCAN' }).lapic;
    expect(requested.context.scanRequested).toBe(true);
    expect(requested.context.eoiExit).toEqual([]);
    const scanned = send(requested, { type: 'SCAN_ROUTES', targeted: [64], elsewhere: [] }).lapic;
    expect(scanned.context).toMatchObject({ scanRequested: false, eoiExit: [64], staleEoi: -1 });
    // Without an in-kernel APIC there is nothing to rescan: vcpu_scan_ioapic() returns at once.
    const absent = start(lapicMachine, {
      id: 0,
      inKernel: false,
      rescansStaleEoi: true,
    });
    expect(send(absent, { type: 'REQUEST_SCAN' }).lapic.context.scanRequested).toBe(false);
  });

  it.each([
    [true, 64, true],
    [false, 64, false],
    [true, 80, false],
  ])(
    'an intercepted EOI of the stale vector asks for a rescan (kernel rescans: %s, EOI of %i): %s',
    (rescans, eoied, requested) => {
      const kernel = start(lapicMachine, {
        id: 0,
        inKernel: true,
        rescansStaleEoi: rescans,
      });
      const stale = send(
        send(kernel, x2apic(true), wrmsr(0x80f, 0x1ff)).lapic,
        { type: 'DELIVER', vector: 64, level: true },
        { type: 'DELIVER', vector: 80, level: true },
        { type: 'SCAN_ROUTES', targeted: [80], elsewhere: [64] },
        { type: 'SET_LAPIC', spiv: 0x1ff, irr: [], isr: [eoied], tmr: [eoied], advertise: false },
      ).lapic;
      expect(stale.context).toMatchObject({ staleEoi: 64, scanRequested: false });
      const after = send(stale, { type: 'EOI', vm: split('quirked') });
      expect(after.emitted).toEqual([{ type: 'eoiExit', vector: eoied }, retired(eoied)]);
      expect(after.lapic.context.scanRequested).toBe(requested);
    },
  );
});

describe('lapic machine: registers as RDMSR and KVM_GET_LAPIC read them', () => {
  /** ISR, TMR and IRR each with a vector in their first and last 32-bit word, all different. */
  const loaded = () =>
    send(start(lapicMachine, { id: 3, inKernel: true, rescansStaleEoi: true }), x2apic(true), {
      type: 'SET_LAPIC',
      spiv: 0x1ff,
      irr: [22, 254],
      isr: [20, 252],
      tmr: [21, 253],
      advertise: true,
    }).lapic;
  /** Those words as both views read them: ISR's first and last, TMR's, IRR's. */
  const FIRST_AND_LAST_WORDS = [1 << 20, 1 << 28, 1 << 21, 1 << 29, 1 << 22, 1 << 30];
  const msr = (n: number) => readMsr(loaded().value, loaded().context, n);
  const page = (offset: number) => readLapicRegister(loaded().value, loaded().context, offset);

  it('RDMSR reads the APIC ID and each word of ISR (0x810-0x817), TMR (0x818-0x81f) and IRR (0x820-0x827)', () => {
    expect(msr(0x802)).toBe(3);
    expect([msr(0x810), msr(0x817), msr(0x818), msr(0x81f), msr(0x820), msr(0x827)]).toEqual(
      FIRST_AND_LAST_WORDS,
    );
    expect([msr(0x80e), msr(0x829)]).toEqual(['fault', 'fault']);
  });

  it('RDMSR reads TPR and PPR (TPR, or the class in service if higher), the x2APIC LDR from the ID, ESR as 0', () => {
    // vCPU 3: cluster 0, bit 3.
    expect([msr(0x808), msr(0x80d), msr(0x828)]).toEqual([0, 0x8, 0]);
    expect(x2apicLdr(0x25)).toBe(0x20020);
    const context = { tpr: 0x30, isr: [0x41] } as unknown as LapicContext;
    expect(processorPriority(context)).toBe(0x40);
    expect(processorPriority({ ...context, tpr: 0x50 })).toBe(0x50);
    expect(processorPriority({ ...context, tpr: 0x40 })).toBe(0x40);
    expect(processorPriority({ ...context, isr: [] })).toBe(0x30);
  });

  it('KVM_GET_LAPIC reads them at 0x100-0x170, 0x180-0x1f0 and 0x200-0x270, and nothing past', () => {
    expect([page(0x100), page(0x170), page(0x180), page(0x1f0), page(0x200), page(0x270)]).toEqual(
      FIRST_AND_LAST_WORDS,
    );
    expect([page(0xf8), page(0x280), page(0x20)]).toEqual([undefined, undefined, undefined]);
  });
});

describe('lapic machine: without an in-kernel APIC', () => {
  const absent = (): Lapic => start(lapicMachine, { id: 0, inKernel: false, rescansStaleEoi: true });

  it('faults a guest WRMSR, takes no interrupt, refuses KVM_SET_LAPIC', () => {
    expect(send(absent(), wrmsr(0x80f, 0x1ff)).emitted).toEqual([{ type: 'fault' }]);
    expect(send(absent(), { type: 'ACCEPT' }).emitted).toEqual([{ type: 'accepted', vector: null }]);
    const setLapic: LapicEvent = {
      type: 'SET_LAPIC',
      spiv: 0x1ff,
      irr: [],
      isr: [],
      tmr: [],
      advertise: true,
    };
    expect(send(absent(), setLapic).emitted).toEqual([{ type: 'ret', value: -22 }]);
    expect(send(absent(), { type: 'GET_LAPIC' }).emitted).toEqual([{ type: 'ret', value: -22 }]);
  });
});

describe('lapic machine: what it asks of the other machines', () => {
  const types = (lapic: Lapic, ...events: LapicEvent[]) => send(lapic, ...events).emitted.map((e) => e.type);

  it('enters the guest at every KVM_RUN, and its first one with x2APIC CPUID changes the APIC map', () => {
    const x2 = send(fresh(), x2apic(true)).lapic;
    expect(send(x2, { type: 'RUN' }).emitted).toEqual([
      { type: 'apicMapChanged' },
      { type: 'entered', vcpu: 0 },
    ]);
    expect(types(send(x2, { type: 'RUN' }).lapic, { type: 'RUN' })).toEqual(['entered']);
    const xapic = send(fresh(), { type: 'SET_CPUID2', x2apic: false, advertise: true }).lapic;
    expect(types(xapic, { type: 'RUN' })).toEqual(['entered']);
    const other = start(lapicMachine, {
      id: 2,
      inKernel: false,
      rescansStaleEoi: true,
    });
    expect(send(other, { type: 'RUN' }).emitted).toEqual([{ type: 'entered', vcpu: 2 }]);
  });

  it('changes the APIC map on INIT and on a guest write that flips SPIV bit 8, whatever bit 12 does', () => {
    const disabled = send(fresh(), x2apic(true)).lapic;
    expect(types(disabled, { type: 'INIT', advertise: false })).toEqual(['apicMapChanged']);
    expect(types(disabled, wrmsr(0x80f, 0x1ff))).toEqual(['apicMapChanged']);
    expect(types(disabled, wrmsr(0x80f, 0x11ff))).toEqual(['apicMapChanged']);
    expect(types(disabled, wrmsr(0x80f, 0x10fe))).toEqual([]);
    expect(types(disabled, wrmsr(0x80f, 0x0fe))).toEqual([]);
    const enabled = send(disabled, wrmsr(0x80f, 0x11ff)).lapic;
    expect(types(enabled, wrmsr(0x80f, 0x10ff))).toEqual(['apicMapChanged']);
    expect(types(enabled, wrmsr(0x80f, 0x0ff))).toEqual(['apicMapChanged']);
    expect(types(enabled, wrmsr(0x80f, 0x11fe))).toEqual([]);
    expect(types(enabled, wrmsr(0x80f, 0x1fe))).toEqual([]);
  });

  it('answers KVM_GET_LAPIC with 0 and keeps a scan request for its next entry', () => {
    expect(send(fresh(), { type: 'GET_LAPIC' }).emitted).toEqual([{ type: 'ret', value: 0 }]);
    expect(send(fresh(), { type: 'REQUEST_SCAN' }).lapic.context.scanRequested).toBe(true);
  });
});

describe('lapic machine: task priority and self-IPIs', () => {
  const booted = () =>
    send(
      start(lapicMachine, { id: 0, inKernel: true, rescansStaleEoi: true }),
      x2apic(true),
      wrmsr(0x80f, 0x1ff),
    ).lapic;

  it('TPR holds bits 7:0 of a write and holds back every class at or below it; INIT clears it', () => {
    const held = send(booted(), wrmsr(0x808, 0x1f0)).lapic;
    expect(held.context.tpr).toBe(0xf0);
    const pending = send(send(booted(), wrmsr(0x808, 0x40)).lapic, {
      type: 'DELIVER',
      vector: 0x4f,
      level: false,
    });
    expect(deliverableVector(pending.lapic.context)).toBeUndefined();
    const higher = send(pending.lapic, { type: 'DELIVER', vector: 0x50, level: false }).lapic;
    expect(deliverableVector(higher.context)).toBe(0x50);
    expect(send(held, { type: 'INIT', advertise: false }).lapic.context.tpr).toBe(0);
  });

  it('SELF_IPI delivers the vector of bits 7:0 to itself, edge-triggered; other bits, or ESR other than 0, #GP', () => {
    const r = send(booted(), wrmsr(0x83f, 0x51));
    expect(r.emitted).toEqual([{ type: 'injected', vector: 0x51 }]);
    expect(r.lapic.context.irr).toEqual([0x51]);
    expect(send(booted(), wrmsr(0x83f, 0x151)).emitted).toEqual([{ type: 'fault' }]);
    expect(send(booted(), wrmsr(0x828, 0)).emitted).toEqual([]);
    expect(send(booted(), wrmsr(0x828, 1)).emitted).toEqual([{ type: 'fault' }]);
  });
});
