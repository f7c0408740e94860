import { describe, expect, it } from 'vitest';
import type { IoapicVersion } from '../../machines/apic.js';
import {
  type IoapicQuirks,
  ioapicPinMachine,
  KVM_IOAPIC,
  NO_QUIRKS,
  type PinContext,
  type PinEvent,
  RTC_GSI,
  RTE_WRITE_ORDER,
  withHalf,
} from '../../machines/ioapicPin.js';
import { advance, type Persisted, start } from '../../src/model/drive.js';

type Pin = Persisted<'remoteIrrClear' | 'remoteIrrSet', PinContext>;

function send(pin: Pin, ...events: PinEvent[]): { pin: Pin; delivered: number } {
  let current = pin;
  let delivered = 0;
  for (const event of events) {
    const r = advance(ioapicPinMachine, current, event);
    current = r.next;
    delivered += r.emitted.filter((e) => e.type === 'deliver').length;
  }
  return { pin: current, delivered };
}

const level: PinEvent = { type: 'WRITE_RTE', vector: 64, dest: 0, trigger: 'level', masked: false };
const edge: PinEvent = { type: 'WRITE_RTE', vector: 64, dest: 0, trigger: 'edge', masked: false };
const up: PinEvent = { type: 'SET_LINE', level: true };
const down: PinEvent = { type: 'SET_LINE', level: false };
const broadcast: PinEvent = { type: 'EOI', vector: 64, source: 'broadcast' };
const register: PinEvent = { type: 'EOI', vector: 64, source: 'register' };
const fresh = (version: IoapicVersion = 0x20, quirks: Partial<IoapicQuirks> = {}): Pin =>
  start(ioapicPinMachine, { pin: 5, version, quirks: { ...NO_QUIRKS, ...quirks }, inKernel: false });

describe('ioapic pin machine', () => {
  it('starts masked: an asserted line delivers nothing', () => {
    expect(send(fresh(), up)).toMatchObject({ delivered: 0, pin: { value: 'remoteIrrClear' } });
  });

  it('delivers a level interrupt once and holds Remote IRR until EOI', () => {
    const r = send(fresh(), level, up, up);
    expect(r.delivered).toBe(1);
    expect(r.pin.value).toBe('remoteIrrSet');
  });

  it('on EOI re-delivers a still-asserted line, and only clears Remote IRR once it is low', () => {
    const asserted = send(fresh(), level, up).pin;
    expect(send(asserted, broadcast)).toMatchObject({ delivered: 1, pin: { value: 'remoteIrrSet' } });
    expect(send(asserted, down, broadcast)).toMatchObject({ delivered: 0, pin: { value: 'remoteIrrClear' } });
  });

  it('ignores EOIs for other vectors', () => {
    const asserted = send(fresh(), level, up).pin;
    expect(send(asserted, { type: 'EOI', vector: 65, source: 'broadcast' }).pin.value).toBe('remoteIrrSet');
  });

  it('has an EOI register only from version 0x20', () => {
    const serviced = (version: IoapicVersion) => send(fresh(version), level, up, down).pin;
    expect(send(serviced(0x20), register).pin.value).toBe('remoteIrrClear');
    expect(send(serviced(0x11), register).pin.value).toBe('remoteIrrSet');
    expect(send(serviced(0x11), broadcast).pin.value).toBe('remoteIrrClear');
  });

  it('clears Remote IRR when the entry is switched to edge, and delivers an asserted line on unmask', () => {
    const stuck = send(fresh(), level, up).pin;
    expect(send(stuck, edge).pin.value).toBe('remoteIrrClear');
    const masked = send(fresh(), { ...level, masked: true } as PinEvent, up);
    expect(masked.delivered).toBe(0);
    expect(send(masked.pin, level)).toMatchObject({ delivered: 1, pin: { value: 'remoteIrrSet' } });
  });

  it('delivers edge interrupts on rising edges only, without Remote IRR', () => {
    const r = send(fresh(), edge, up, up, down, up);
    expect(r.delivered).toBe(2);
    expect(send(fresh(), edge, down).delivered).toBe(0);
    expect(r.pin.value).toBe('remoteIrrClear');
  });

  it('without a line re-check (cloud-hypervisor), an EOI only clears Remote IRR: the line waits for the device', () => {
    const asserted = send(fresh(0x11, { eoiRechecksLine: false }), level, up).pin;
    const eoied = send(asserted, broadcast);
    expect(eoied).toMatchObject({ delivered: 0, pin: { value: 'remoteIrrClear', context: { line: true } } });
    expect(send(eoied.pin, up).delivered).toBe(1);
  });

  it('keeps Remote IRR across an edge switch where the I/O APIC does (cloud-hypervisor)', () => {
    const stuck = send(fresh(0x11, { edgeSwitchClearsRemoteIrr: false }), level, up).pin;
    expect(send(stuck, edge).pin.value).toBe('remoteIrrSet');
  });

  it('throttles the re-delivery after throttleEois successive EOIs until the clock has advanced throttleNs', () => {
    const throttled = fresh(0x20, { throttleEois: 3, throttleNs: 10 });
    const storm = send(throttled, level, up, broadcast, broadcast);
    expect(storm).toMatchObject({ delivered: 3, pin: { value: 'remoteIrrSet', context: { eoiStreak: 2 } } });
    const waiting = send(storm.pin, broadcast);
    expect(waiting).toMatchObject({
      delivered: 0,
      pin: { value: 'remoteIrrClear', context: { throttleLeftNs: 10 } },
    });
    expect(send(waiting.pin, { type: 'TICK', ns: 4 })).toMatchObject({
      delivered: 0,
      pin: { context: { throttleLeftNs: 6 } },
    });
    expect(send(waiting.pin, { type: 'TICK', ns: 4 }, { type: 'TICK', ns: 6 })).toMatchObject({
      delivered: 1,
      pin: { value: 'remoteIrrSet', context: { throttleLeftNs: 0, eoiStreak: 0 } },
    });
    expect(send(waiting.pin, down, { type: 'TICK', ns: 10 })).toMatchObject({
      delivered: 0,
      pin: { value: 'remoteIrrClear', context: { throttleLeftNs: 0 } },
    });
  });

  it('restarts the successive-EOI count when an EOI finds the line deasserted', () => {
    const throttled = fresh(0x20, { throttleEois: 3, throttleNs: 10 });
    const r = send(throttled, level, up, broadcast, broadcast, down, broadcast, up, broadcast, broadcast);
    expect(r).toMatchObject({ delivered: 6, pin: { value: 'remoteIrrSet', context: { eoiStreak: 2 } } });
  });
});

describe('ioapic pin machine: where guards look further', () => {
  const kernelLike = { eoiServicesEveryMatchingPin: true, remoteIrrOnlyIfAccepted: true } as const;

  it('an EOI of another vector leaves a still-asserted level pin alone (no clear, no re-delivery)', () => {
    const asserted = send(fresh(), level, up).pin;
    expect(send(asserted, { type: 'EOI', vector: 65, source: 'broadcast' })).toMatchObject({
      delivered: 0,
      pin: { value: 'remoteIrrSet' },
    });
  });

  it('an EOI leaves an edge entry that kept Remote IRR (cloud-hypervisor) alone', () => {
    const kept = send(fresh(0x11, { edgeSwitchClearsRemoteIrr: false }), level, up, down, edge).pin;
    expect(kept.value).toBe('remoteIrrSet');
    expect(send(kept, broadcast).pin.value).toBe('remoteIrrSet');
  });

  it('the clock delivers nothing to a pin that is not throttled, even with its line asserted', () => {
    const waiting = send(fresh(0x11, { eoiRechecksLine: false }), level, up, broadcast).pin;
    expect(waiting).toMatchObject({ value: 'remoteIrrClear', context: { line: true, throttleLeftNs: 0 } });
    expect(send(waiting, { type: 'TICK', ns: 1_000_000 }).delivered).toBe(0);
  });

  it("KVM's I/O APIC: a broadcast EOI services an asserted pin of its vector, level ones taking Remote IRR", () => {
    const edgePin = send(fresh(0x11, kernelLike), edge, up).pin;
    expect(send(edgePin, broadcast)).toMatchObject({ delivered: 1, pin: { value: 'remoteIrrClear' } });
    const levelUnaccepted = send(fresh(0x11, kernelLike), level, up, { type: 'UNACCEPTED' }).pin;
    expect(levelUnaccepted.value).toBe('remoteIrrClear');
    expect(send(levelUnaccepted, broadcast)).toMatchObject({ delivered: 1, pin: { value: 'remoteIrrSet' } });
    expect(send(edgePin, register).delivered).toBe(0);
  });

  it("KVM's I/O APIC services only the pins of the EOI's vector", () => {
    const edgePin = send(fresh(0x11, kernelLike), edge, up).pin;
    expect(send(edgePin, { type: 'EOI', vector: 65, source: 'broadcast' }).delivered).toBe(0);
  });

  it('a throttled re-delivery is dropped when the entry became edge before the clock ran out', () => {
    const throttled = send(fresh(0x20, { throttleEois: 1, throttleNs: 10 }), level, up, broadcast).pin;
    expect(throttled.context.throttleLeftNs).toBe(10);
    const switched = send(throttled, edge, { type: 'TICK', ns: 10 });
    expect(switched).toMatchObject({ delivered: 0, pin: { value: 'remoteIrrClear' } });
  });

  it('the textbook I/O APIC keeps Remote IRR for an interrupt no LAPIC accepted', () => {
    expect(send(fresh(), level, up, { type: 'UNACCEPTED' }).pin.value).toBe('remoteIrrSet');
  });
});

describe('ioapic pin machine: what it asks of KVM', () => {
  const emitted = (pin: Pin, event: PinEvent) => advance(ioapicPinMachine, pin, event).emitted;
  const kvm = (): Pin => start(ioapicPinMachine, { pin: 5, ...KVM_IOAPIC });

  it("an entry write asks the old and new destination to rescan on KVM's I/O APIC, every vCPU on the VMM's", () => {
    const toVcpu2 = { ...level, dest: 2 } as PinEvent;
    expect(emitted(kvm(), toVcpu2)).toEqual([{ type: 'routeChanged', dests: [2, 0] }]);
    expect(emitted(send(kvm(), toVcpu2, up).pin, edge)).toEqual([{ type: 'routeChanged', dests: [0, 2] }]);
    expect(emitted(fresh(), toVcpu2)).toEqual([{ type: 'routeChanged', dests: 'every' }]);
    expect(emitted(send(fresh(), up).pin, level)).toEqual([
      { type: 'routeChanged', dests: 'every' },
      { type: 'deliver', pin: 5, vector: 64, dest: 0, level: true, tracked: false },
    ]);
  });

  it('says when an EOI clears Remote IRR: before a re-delivery, at a throttle, or for good', () => {
    const asserted = send(fresh(), level, up).pin;
    expect(emitted(asserted, broadcast).map((e) => e.type)).toEqual(['remoteIrrCleared', 'deliver']);
    expect(emitted(send(asserted, down).pin, broadcast)).toEqual([{ type: 'remoteIrrCleared', pin: 5 }]);
    const throttled = send(fresh(0x20, { throttleEois: 1, throttleNs: 10 }), level, up).pin;
    expect(emitted(throttled, broadcast)).toEqual([{ type: 'remoteIrrCleared', pin: 5 }]);
    expect(emitted(asserted, { type: 'EOI', vector: 65, source: 'broadcast' })).toEqual([]);
    expect(emitted(send(fresh(0x11), level, up).pin, register)).toEqual([]);
  });
});

describe('a redirection entry written in halves', () => {
  const old = { vector: 64, dest: 0, trigger: 'level', masked: false } as const;
  const written = { vector: 80, dest: 2, trigger: 'edge', masked: true } as const;

  it('is written destination first, as Linux does', () => {
    expect(RTE_WRITE_ORDER).toEqual(['high', 'low']);
  });

  it('takes the destination from the high half and the rest from the low half', () => {
    expect(withHalf(old, written, 'high')).toEqual({ vector: 64, dest: 2, trigger: 'level', masked: false });
    expect(withHalf(old, written, 'low')).toEqual({ vector: 80, dest: 0, trigger: 'edge', masked: true });
  });
});

describe("KVM's RTC pin (RTC_GSI 8): EOI tracking and coalescing (ioapic_set_irq(), rtc_irq_eoi())", () => {
  const rtc = (pin = RTC_GSI): Pin => start(ioapicPinMachine, { ...KVM_IOAPIC, pin });
  const deliveries = (pin: Pin, ...events: PinEvent[]) => {
    let current = pin;
    const sent: unknown[] = [];
    for (const event of events) {
      const r = advance(ioapicPinMachine, current, event);
      current = r.next;
      sent.push(...r.emitted.filter((e) => e.type === 'deliver'));
    }
    return { pin: current, sent };
  };
  const accepted = (...vcpus: number[]): PinEvent => ({ type: 'RTC_ACCEPTED', vcpus });

  it('marks the device-raised delivery as tracked on the RTC pin only', () => {
    expect(deliveries(rtc(), edge, up).sent).toEqual([
      { type: 'deliver', pin: 8, vector: 64, dest: 0, level: false, tracked: true },
    ]);
    expect(deliveries(rtc(7), edge, up).sent).toMatchObject([{ tracked: false }]);
    const vmmPin8 = start(ioapicPinMachine, { pin: 8, version: 0x20, quirks: NO_QUIRKS, inKernel: false });
    expect(deliveries(vmmPin8, edge, up).sent).toMatchObject([{ tracked: false }]);
    // An entry write that finds the level line up delivers untracked (ioapic_service(..., false)).
    expect(deliveries(rtc(), up, level).sent).toMatchObject([{ tracked: false }]);
  });

  it('coalesces a raise while a vCPU has still to EOI, leaving the line as it was, until that EOI', () => {
    const owed = send(rtc(), edge, up, accepted(0, 1), down).pin;
    expect(owed.context.rtcPending).toEqual([
      { vcpu: 0, vector: 64 },
      { vcpu: 1, vector: 64 },
    ]);
    const coalesced = deliveries(owed, up);
    expect(coalesced.sent).toEqual([]);
    expect(coalesced.pin.context.line).toBe(false);
    const oneLeft = send(
      owed,
      { type: 'RTC_EOI', vcpu: 0, vector: 64 },
      { type: 'RTC_EOI', vcpu: 1, vector: 65 },
    ).pin;
    expect(oneLeft.context.rtcPending).toEqual([{ vcpu: 1, vector: 64 }]);
    expect(deliveries(oneLeft, up).sent).toEqual([]);
    const cleared = send(oneLeft, { type: 'RTC_EOI', vcpu: 1, vector: 64 }).pin;
    expect(deliveries(cleared, up).sent).toHaveLength(1);
  });

  it('a delivery no vCPU accepted owes no EOI; a level raise with Remote IRR set is coalesced too', () => {
    expect(send(rtc(), edge, up, accepted()).pin.context.rtcPending).toEqual([]);
    const held = send(rtc(), level, up, accepted(0), down).pin;
    expect(held.value).toBe('remoteIrrSet');
    expect(deliveries(held, up).pin.context.line).toBe(false);
  });

  it('KVM_SET_LAPIC re-derives one vCPU: owed if the entry reaches it with the vector pending, else not', () => {
    const owed = send(rtc(), edge, up, accepted(0)).pin;
    const restore = (vcpu: number, reached: boolean, pending: boolean) =>
      send(owed, { type: 'RTC_RESTORE', vcpu, reached, pending }).pin.context.rtcPending;
    expect(restore(0, true, false)).toEqual([]);
    expect(restore(0, true, true)).toEqual([{ vcpu: 0, vector: 64 }]);
    expect(restore(0, false, false)).toEqual([{ vcpu: 0, vector: 64 }]);
    expect(restore(1, true, true)).toEqual([
      { vcpu: 0, vector: 64 },
      { vcpu: 1, vector: 64 },
    ]);
    expect(restore(1, false, true)).toEqual([{ vcpu: 0, vector: 64 }]);
    const both = send(rtc(), edge, up, accepted(0, 1)).pin;
    const restoreOf0 = send(both, { type: 'RTC_RESTORE', vcpu: 0, reached: true, pending: false }).pin;
    expect(restoreOf0.context.rtcPending).toEqual([{ vcpu: 1, vector: 64 }]);
  });
});
