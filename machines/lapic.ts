import { and, assign, emit, not, raise, type SnapshotFrom, setup, stateIn } from 'xstate';
import {
  ERRNO,
  LAPIC_REG,
  LVR_BASE,
  LVR_DIRECTED_EOI,
  MSR,
  SPIV_APIC_ENABLED,
  SPIV_DIRECTED_EOI,
  SPIV_RESET,
  SPIV_WRITABLE,
} from './apic.js';
import { eventTable } from './eventTable.js';
import { memo } from './memo.js';
import type { VectorSet } from './vectorSet.js';
import * as vectors from './vectorSet.js';
import { suppressesEoiBroadcast, type VmValue } from './vm.js';

/** What a LAPIC machine starts from: the VM machine's `vcpuCreated`. */
export interface LapicInput {
  /** vCPU id, which is also its x2APIC ID. */
  id: number;
  /** The vCPU has an in-kernel LAPIC (an irqchip existed when it was created). */
  inKernel: boolean;
  /** The kernel trait of the same name (KernelTraits). */
  rescansStaleEoi: boolean;
}

export interface LapicContext extends LapicInput {
  /** The guest CPUID set by KVM_SET_CPUID2 has x2APIC (false until then). */
  x2apic: boolean;
  /** KVM_SET_CPUID2 has succeeded once: before that the vCPU's CPUID is empty, unlike any CPUID a VMM sets. */
  cpuidSet: boolean;
  /** SPIV without bit 12 (bit 12 is the `spiv` region's state). */
  spivLow: number;
  /** Task Priority Register (bits 7:0): interrupts of a class at or below it wait. */
  tpr: number;
  /** Interrupt Request Register. */
  irr: VectorSet;
  /** In-Service Register. */
  isr: VectorSet;
  /** Trigger Mode Register: set for vectors delivered level-triggered. */
  tmr: VectorSet;
  /** vcpu->arch.ioapic_handled_vectors: vectors whose EOI goes to the I/O APIC. */
  eoiExit: VectorSet;
  /** KVM_REQ_SCAN_IOAPIC is pending: eoiExit is recomputed when the vCPU next enters the guest. */
  scanRequested: boolean;
  /** highest_stale_pending_ioapic_eoi: the highest vector the last scan kept only because it was pending here from an old route, or -1. */
  staleEoi: number;
}

export type LapicEvent =
  | { type: 'RUN' }
  | { type: 'SET_CPUID2'; x2apic: boolean; advertise: boolean }
  | { type: 'INIT'; advertise: boolean }
  | { type: 'SET_LAPIC'; spiv: number; irr: VectorSet; isr: VectorSet; tmr: VectorSet; advertise: boolean }
  | { type: 'WRMSR'; msr: number; value: number; highBits: boolean; vm: VmValue }
  | { type: 'EOI'; vm: VmValue }
  | { type: 'GET_LAPIC' }
  /** Build it with deliverEvent(). */
  | { type: 'DELIVER'; vector: number; level: boolean }
  | { type: 'ACCEPT' }
  | { type: 'REQUEST_SCAN' }
  /** Build it with scanRoutesEvent(). */
  | { type: 'SCAN_ROUTES'; targeted: VectorSet; elsewhere: VectorSet };

/** An interrupt message to a LAPIC, one frozen event per vector and trigger. */
export const deliverEvent = eventTable(
  (vector: number, level: boolean) => vector * 2 + (level ? 1 : 0),
  (vector: number, level: boolean): LapicEvent => ({ type: 'DELIVER', vector, level }),
);

/** WRMSR tables, one per VM state value object (a twin of equal value only shares less, never answers wrong). */
const wrmsrTablesNow = memo(
  () => new WeakMap<VmValue, (msr: number, value: number, highBits: boolean) => LapicEvent>(),
);

/**
 * A guest's x2APIC MSR write (0x800-0x8ff, as the trace format bounds it; `value` its low 32 bits), one frozen
 * event per MSR, value and VM state value: guest programs write EOI on nearly every step.
 */
export function wrmsrEvent(msr: number, value: number, highBits: boolean, vm: VmValue): LapicEvent {
  const wrmsrTables = wrmsrTablesNow();
  let table = wrmsrTables.get(vm);
  if (table === undefined) {
    table = eventTable(
      // Stryker disable next-line ArithmeticOperator: most packings tell the fields apart too; the test checks this one does.
      (msr: number, value: number, highBits: boolean) => (msr * 2 + (highBits ? 1 : 0)) * 2 ** 32 + value,
      (msr: number, value: number, highBits: boolean): LapicEvent => ({
        type: 'WRMSR',
        msr,
        value,
        highBits,
        vm,
      }),
    );
    wrmsrTables.set(vm, table);
  }
  return table(msr, value, highBits);
}

/** A scan's result for one vCPU, one frozen event per pair of vector sets. */
export const scanRoutesEvent = eventTable(
  (targeted: VectorSet, elsewhere: VectorSet) => `${targeted.join(',')}/${elsewhere.join(',')}`,
  (targeted: VectorSet, elsewhere: VectorSet): LapicEvent => ({ type: 'SCAN_ROUTES', targeted, elsewhere }),
);

/**
 * The LAPIC's events that carry nothing, once each and frozen: src/model/drive.ts finds a frozen event's answer
 * by identity instead of serialising it, and these are sent on every step.
 */
export const SIGNAL = {
  RUN: Object.freeze({ type: 'RUN' }),
  ACCEPT: Object.freeze({ type: 'ACCEPT' }),
  GET_LAPIC: Object.freeze({ type: 'GET_LAPIC' }),
  REQUEST_SCAN: Object.freeze({ type: 'REQUEST_SCAN' }),
} as const satisfies Record<string, LapicEvent>;

export type LapicEmitted =
  /** An ioctl's return value. */
  | { type: 'ret'; value: number }
  /** The instruction raised #GP in the guest. */
  | { type: 'fault' }
  /** The guest took this vector (IRR to ISR), or nothing was deliverable. */
  | { type: 'accepted'; vector: number | null }
  /** A delivered interrupt was latched in IRR. */
  | { type: 'injected'; vector: number }
  /** A delivered interrupt was dropped: the APIC is software-disabled. */
  | { type: 'dropped'; vector: number }
  /** KVM_EXIT_IOAPIC_EOI to the VMM (split irqchip). */
  | { type: 'eoiExit'; vector: number }
  /** A level EOI handed to the in-kernel I/O APIC. */
  | { type: 'ioapicEoi'; vector: number }
  /** The EOI of an I/O APIC vector was kept from the I/O APIC (Suppress EOI Broadcast). */
  | { type: 'eoiSuppressed'; vector: number }
  /** An EOI retired this vector from ISR. */
  | { type: 'retired'; vector: number }
  /** The vCPU entered the guest (KVM_RUN) and now carries out its pending requests. */
  | { type: 'entered'; vcpu: number }
  /** kvm_recalculate_apic_map() ran, which asks every vCPU to rescan (kvm_make_scan_ioapic_request()). */
  | { type: 'apicMapChanged' }
  /** kvm_ioapic_update_eoi(): an EOI of this vCPU reached KVM's I/O APIC, suppressed or not, edge or level. */
  | { type: 'kvmIoapicEoi'; vcpu: number; vector: number }
  /** KVM_SET_LAPIC replaced this vCPU's registers (KVM's I/O APIC then re-derives its RTC EOI tracking). */
  | { type: 'stateRestored'; vcpu: number };

const LVR_BIT24_SET = { apic: { present: { lvr: 'bit24Set' } } } as const;
const SPIV_BIT12_SET = { apic: { present: { spiv: 'bit12Set' } } } as const;

function eventVm(event: LapicEvent): VmValue | undefined {
  return event.type === 'EOI' || event.type === 'WRMSR' ? event.vm : undefined;
}

function inServiceVector(context: LapicContext): number {
  // Stryker disable next-line UnaryOperator: no vector is 1 or -1; either stands for none in service.
  return vectors.highest(context.isr) ?? -1;
}

/** The Processor Priority Register: TPR, or the class of the vector in service if that is higher (__apic_update_ppr()). */
export function processorPriority(context: LapicContext): number {
  const inService = (vectors.highest(context.isr) ?? 0) & 0xf0;
  // Stryker disable next-line EqualityOperator: at equal classes TPR is its class, as traces never set its bits 3:0.
  return (context.tpr & 0xf0) >= inService ? context.tpr & 0xff : inService;
}

/** The vector the guest would take now: the highest IRR vector if its class is above PPR (apic_has_interrupt_for_ppr()). */
export function deliverableVector(context: LapicContext): number | undefined {
  const pending = vectors.highest(context.irr);
  return pending !== undefined && (pending & 0xf0) > processorPriority(context) ? pending : undefined;
}

/** The x2APIC logical ID KVM derives from the x2APIC ID (kvm_apic_calc_x2apic_ldr()): cluster in 31:16, a bit in 15:0. */
export function x2apicLdr(id: number): number {
  return (((id >> 4) << 16) | (1 << (id & 0xf))) >>> 0;
}

/**
 * One vCPU's local APIC as KVM emulates it: LVR bit 24 (region `lvr`), SPIV bit 12 (region `spiv`), the
 * IRR/ISR/TMR of the vectors in play, the EOI-exit bitmap, and whether the vCPU has run (region `run`),
 * which freezes its CPUID. Follows kvm_apic_set_version(), kvm_lapic_reg_write(APIC_SPIV),
 * kvm_apic_set_state(), kvm_lapic_reset() and apic_set_eoi()/kvm_ioapic_send_eoi().
 */
export const lapicMachine = setup({
  types: {
    context: {} as LapicContext,
    events: {} as LapicEvent,
    emitted: {} as LapicEmitted,
    input: {} as LapicInput,
  },
  guards: {
    inKernel: ({ context }) => context.inKernel,
    x2apicCpuid: ({ context }) => context.x2apic,
    sameCpuid: ({ context, event }) =>
      event.type === 'SET_CPUID2' && context.cpuidSet && event.x2apic === context.x2apic,
    cpuidAdvertises: ({ event }) => event.type === 'SET_CPUID2' && event.x2apic && event.advertise,
    resetAdvertises: ({ context, event }) =>
      (event.type === 'INIT' || event.type === 'SET_LAPIC') && context.x2apic && event.advertise,
    restoresDirectedEoi: ({ event }) => event.type === 'SET_LAPIC' && (event.spiv & SPIV_DIRECTED_EOI) !== 0,
    x2apicMsrFaults: ({ context, event }) => !context.x2apic || (event.type === 'WRMSR' && event.highBits),
    writesSpiv: ({ event }) => event.type === 'WRMSR' && event.msr === MSR.spiv,
    writesSpivDirectedEoi: ({ event }) => event.type === 'WRMSR' && (event.value & SPIV_DIRECTED_EOI) !== 0,
    togglesSoftwareEnable: ({ context, event }) =>
      event.type === 'WRMSR' && ((event.value ^ context.spivLow) & SPIV_APIC_ENABLED) !== 0,
    writesEoi: ({ event }) => event.type === 'WRMSR' && event.msr === MSR.eoi,
    writesTpr: ({ event }) => event.type === 'WRMSR' && event.msr === MSR.tpr,
    // In x2APIC mode ESR takes only 0 and SELF_IPI only a vector in bits 7:0; anything else is #GP.
    writesZeroToEsr: ({ event }) => event.type === 'WRMSR' && event.msr === MSR.esr && event.value === 0,
    writesSelfIpiVector: ({ event }) =>
      event.type === 'WRMSR' && event.msr === MSR.selfIpi && (event.value & ~0xff) === 0,
    // Stryker disable next-line ConditionalExpression: with nothing in service the other EOI branches pop nothing too.
    nothingInService: ({ context }) => context.isr.length === 0,
    handledByIoapic: ({ context }) => vectors.has(context.eoiExit, inServiceVector(context)),
    modeSuppresses: ({ event }) => {
      const vm = eventVm(event);
      return vm !== undefined && suppressesEoiBroadcast(vm, true);
    },
    splitIrqchip: ({ event }) => eventVm(event)?.irqchip === 'split',
    levelTriggered: ({ context }) => vectors.has(context.tmr, inServiceVector(context)),
    softwareEnabled: ({ context }) => softwareEnabled(context),
    somethingDeliverable: ({ context }) => deliverableVector(context) !== undefined,
  },
  actions: {
    recordCpuid: assign({
      // Stryker disable next-line BooleanLiteral: only KVM_SET_CPUID2 records CPUID.
      x2apic: ({ event }) => (event.type === 'SET_CPUID2' ? event.x2apic : false),
      cpuidSet: true,
    }),
    resetRegisters: assign({ spivLow: SPIV_RESET, tpr: 0, irr: [], isr: [], tmr: [] }),
    restoreRegisters: assign(({ event }) =>
      event.type === 'SET_LAPIC'
        ? {
            spivLow: (event.spiv & ~SPIV_DIRECTED_EOI) >>> 0,
            irr: vectors.fromList(event.irr),
            isr: vectors.fromList(event.isr),
            tmr: vectors.fromList(event.tmr),
          }
        : {},
    ),
    writeSpivLow: assign({
      spivLow: ({ event }) => (event.type === 'WRMSR' ? event.value & SPIV_WRITABLE : 0),
    }),
    raiseEoi: raise(({ event }) => ({ type: 'EOI', vm: eventVm(event) as VmValue })),
    // kvm_lapic_reg_write(APIC_TASKPRI): apic_set_tpr(val & 0xff).
    writeTpr: assign({ tpr: ({ event }) => (event.type === 'WRMSR' ? event.value & 0xff : 0) }),
    // kvm_lapic_reg_write(APIC_SELF_IPI): kvm_apic_send_ipi(APIC_DEST_SELF | vector), a fixed edge interrupt.
    raiseSelfIpi: raise(({ event }) => ({
      type: 'DELIVER',
      vector: event.type === 'WRMSR' ? event.value & 0xff : 0,
      level: false,
    })),
    fault: emit({ type: 'fault' } as const),
    retOk: emit({ type: 'ret', value: 0 } as const),
    retInvalid: emit({ type: 'ret', value: ERRNO.EINVAL } as const),
    emitEntered: emit(({ context }) => ({ type: 'entered', vcpu: context.id }) as const),
    emitApicMapChanged: emit({ type: 'apicMapChanged' } as const),
    emitKvmIoapicEoi: emit(
      ({ context }) =>
        ({ type: 'kvmIoapicEoi', vcpu: context.id, vector: inServiceVector(context) }) as const,
    ),
    emitStateRestored: emit(({ context }) => ({ type: 'stateRestored', vcpu: context.id }) as const),
    popInService: assign({ isr: ({ context }) => vectors.remove(context.isr, inServiceVector(context)) }),
    emitEoiExit: emit(({ context }) => ({ type: 'eoiExit', vector: inServiceVector(context) }) as const),
    emitIoapicEoi: emit(({ context }) => ({ type: 'ioapicEoi', vector: inServiceVector(context) }) as const),
    emitRetired: emit(({ context }) => ({ type: 'retired', vector: inServiceVector(context) }) as const),
    emitSuppressed: emit(
      ({ context }) => ({ type: 'eoiSuppressed', vector: inServiceVector(context) }) as const,
    ),
    latchInIrr: assign(({ context, event }) =>
      event.type === 'DELIVER'
        ? {
            irr: vectors.add(context.irr, event.vector),
            tmr: event.level
              ? vectors.add(context.tmr, event.vector)
              : vectors.remove(context.tmr, event.vector),
          }
        : {},
    ),
    emitInjected: emit(
      ({ event }) => ({ type: 'injected', vector: event.type === 'DELIVER' ? event.vector : -1 }) as const,
    ),
    emitDropped: emit(
      ({ event }) => ({ type: 'dropped', vector: event.type === 'DELIVER' ? event.vector : -1 }) as const,
    ),
    acceptHighest: assign(({ context }) => {
      const vector = deliverableVector(context) as number;
      return { irr: vectors.remove(context.irr, vector), isr: vectors.add(context.isr, vector) };
    }),
    emitAccepted: emit(
      ({ context }) => ({ type: 'accepted', vector: deliverableVector(context) ?? null }) as const,
    ),
    requestScan: assign({ scanRequested: true }),
    // kvm_ioapic_send_eoi(): an intercepted EOI of the stale vector asks this vCPU to rescan (kernels since 6.16).
    requestScanIfStale: assign({
      scanRequested: ({ context, event }) =>
        context.scanRequested ||
        (event.type === 'EOI' && context.rescansStaleEoi && inServiceVector(context) === context.staleEoi),
    }),
    scanRoutes: assign(({ context, event }) => {
      if (event.type !== 'SCAN_ROUTES') return {};
      const pendingElsewhere = event.elsewhere.filter(
        (v) => vectors.has(context.irr, v) || vectors.has(context.isr, v),
      );
      return {
        eoiExit: vectors.fromList([...event.targeted, ...pendingElsewhere]),
        staleEoi: vectors.highest(pendingElsewhere) ?? -1,
        scanRequested: false,
      };
    }),
  },
}).createMachine({
  id: 'lapic',
  type: 'parallel',
  context: ({ input }) => ({
    id: input.id,
    inKernel: input.inKernel,
    rescansStaleEoi: input.rescansStaleEoi,
    x2apic: false,
    cpuidSet: false,
    spivLow: SPIV_RESET,
    tpr: 0,
    irr: [],
    isr: [],
    tmr: [],
    eoiExit: [],
    scanRequested: false,
    staleEoi: -1,
  }),
  states: {
    run: {
      // Stryker disable next-line StringLiteral: XState refuses the machine at load, so every suite fails to load, which Stryker's vitest runner counts as no failed test.
      initial: 'neverRun',
      states: {
        // The guest's boot switches a CPUID-x2APIC vCPU to x2APIC mode through IA32_APIC_BASE at its first entry.
        neverRun: {
          on: {
            RUN: [
              { guard: 'x2apicCpuid', target: 'hasRun', actions: ['emitApicMapChanged', 'emitEntered'] },
              { target: 'hasRun', actions: 'emitEntered' },
            ],
            SET_CPUID2: { actions: ['recordCpuid', 'retOk'] },
          },
        },
        // After KVM_RUN, KVM_SET_CPUID2 only accepts the identical CPUID, as a no-op (an empty CPUID differs from any).
        hasRun: {
          on: {
            RUN: { actions: 'emitEntered' },
            SET_CPUID2: [{ guard: 'sameCpuid', actions: 'retOk' }, { actions: 'retInvalid' }],
          },
        },
      },
    },
    apic: {
      // Stryker disable next-line StringLiteral: XState refuses the machine at load, so every suite fails to load, which Stryker's vitest runner counts as no failed test.
      initial: 'absent',
      states: {
        absent: {
          always: { guard: 'inKernel', target: 'present' },
          on: {
            SET_LAPIC: { actions: 'retInvalid' },
            GET_LAPIC: { actions: 'retInvalid' },
            WRMSR: { actions: 'fault' },
            DELIVER: { actions: 'emitDropped' },
            ACCEPT: { actions: 'emitAccepted' },
          },
        },
        present: {
          type: 'parallel',
          on: {
            EOI: [
              { guard: 'nothingInService' },
              { guard: not('handledByIoapic'), actions: ['emitRetired', 'popInService'] },
              {
                guard: and([stateIn(SPIV_BIT12_SET), 'modeSuppresses', 'splitIrqchip']),
                actions: ['requestScanIfStale', 'emitSuppressed', 'emitRetired', 'popInService'],
              },
              // KVM's I/O APIC hears of every EOI it handles (its RTC tracking), even one it then ignores.
              {
                guard: and([stateIn(SPIV_BIT12_SET), 'modeSuppresses']),
                actions: [
                  'requestScanIfStale',
                  'emitSuppressed',
                  'emitKvmIoapicEoi',
                  'emitRetired',
                  'popInService',
                ],
              },
              {
                guard: 'splitIrqchip',
                actions: ['requestScanIfStale', 'emitEoiExit', 'emitRetired', 'popInService'],
              },
              {
                guard: 'levelTriggered',
                actions: [
                  'requestScanIfStale',
                  'emitKvmIoapicEoi',
                  'emitIoapicEoi',
                  'emitRetired',
                  'popInService',
                ],
              },
              { actions: ['requestScanIfStale', 'emitKvmIoapicEoi', 'emitRetired', 'popInService'] },
            ],
            DELIVER: [
              { guard: 'softwareEnabled', actions: ['latchInIrr', 'emitInjected'] },
              { actions: 'emitDropped' },
            ],
            ACCEPT: [
              { guard: 'somethingDeliverable', actions: ['emitAccepted', 'acceptHighest'] },
              { actions: 'emitAccepted' },
            ],
            GET_LAPIC: { actions: 'retOk' },
            // kvm_make_scan_ioapic_request(): served at the vCPU's next entry (vcpu_scan_ioapic()).
            REQUEST_SCAN: { actions: 'requestScan' },
            SCAN_ROUTES: { actions: 'scanRoutes' },
          },
          states: {
            lvr: {
              // Stryker disable next-line StringLiteral: XState refuses the machine at load, so every suite fails to load, which Stryker's vitest runner counts as no failed test.
              initial: 'bit24Clear',
              on: {
                SET_CPUID2: [
                  { guard: and([stateIn({ run: 'neverRun' }), 'cpuidAdvertises']), target: '.bit24Set' },
                  { guard: stateIn({ run: 'neverRun' }), target: '.bit24Clear' },
                ],
                INIT: [{ guard: 'resetAdvertises', target: '.bit24Set' }, { target: '.bit24Clear' }],
                SET_LAPIC: [{ guard: 'resetAdvertises', target: '.bit24Set' }, { target: '.bit24Clear' }],
              },
              // Stryker disable next-line ObjectLiteral: XState refuses the machine at load, so every suite fails to load, which Stryker's vitest runner counts as no failed test.
              states: { bit24Clear: {}, bit24Set: {} },
            },
            spiv: {
              // Stryker disable next-line StringLiteral: XState refuses the machine at load, so every suite fails to load, which Stryker's vitest runner counts as no failed test.
              initial: 'bit12Clear',
              // INIT, KVM_SET_LAPIC and a change of SPIV's enable bit recalculate KVM's APIC map.
              on: {
                INIT: { target: '.bit12Clear', actions: ['resetRegisters', 'emitApicMapChanged'] },
                // KVM_SET_LAPIC stores SPIV raw: bit 12 survives whatever LVR says.
                SET_LAPIC: [
                  {
                    guard: 'restoresDirectedEoi',
                    target: '.bit12Set',
                    actions: ['restoreRegisters', 'emitApicMapChanged', 'emitStateRestored', 'retOk'],
                  },
                  {
                    target: '.bit12Clear',
                    actions: ['restoreRegisters', 'emitApicMapChanged', 'emitStateRestored', 'retOk'],
                  },
                ],
                WRMSR: [
                  { guard: 'x2apicMsrFaults', actions: 'fault' },
                  // A guest SPIV write keeps bit 12 only if the stored LVR has bit 24.
                  {
                    guard: and([
                      'writesSpiv',
                      'writesSpivDirectedEoi',
                      stateIn(LVR_BIT24_SET),
                      'togglesSoftwareEnable',
                    ]),
                    target: '.bit12Set',
                    actions: ['writeSpivLow', 'emitApicMapChanged'],
                  },
                  {
                    guard: and(['writesSpiv', 'writesSpivDirectedEoi', stateIn(LVR_BIT24_SET)]),
                    target: '.bit12Set',
                    actions: 'writeSpivLow',
                  },
                  {
                    guard: and(['writesSpiv', 'togglesSoftwareEnable']),
                    target: '.bit12Clear',
                    actions: ['writeSpivLow', 'emitApicMapChanged'],
                  },
                  { guard: 'writesSpiv', target: '.bit12Clear', actions: 'writeSpivLow' },
                  { guard: 'writesEoi', actions: 'raiseEoi' },
                  { guard: 'writesTpr', actions: 'writeTpr' },
                  { guard: 'writesZeroToEsr' },
                  { guard: 'writesSelfIpiVector', actions: 'raiseSelfIpi' },
                  { actions: 'fault' },
                ],
              },
              // Stryker disable next-line ObjectLiteral: XState refuses the machine at load, so every suite fails to load, which Stryker's vitest runner counts as no failed test.
              states: { bit12Clear: {}, bit12Set: {} },
            },
          },
        },
      },
    },
  },
});

/** A LAPIC snapshot's state value, as XState infers it from the machine. */
export type LapicValue = SnapshotFrom<typeof lapicMachine>['value'];

/** The LVR register as the guest reads it. */
export function lvrValue(value: LapicValue): number {
  return LVR_BASE | (value.apic !== 'absent' && value.apic.present.lvr === 'bit24Set' ? LVR_DIRECTED_EOI : 0);
}

/**
 * The LAPIC is in x2APIC mode: a CPUID-x2APIC vCPU switches at its first entry (the `run` region); INIT keeps the
 * mode (kvm_lapic_reset() leaves IA32_APIC_BASE alone on an INIT event).
 */
export function x2apicMode(value: LapicValue, context: LapicContext): boolean {
  return value.run === 'hasRun' && context.x2apic;
}

/** SPIV bit 8 is set: the APIC accepts fixed interrupts. */
export function softwareEnabled(context: LapicContext): boolean {
  return (context.spivLow & SPIV_APIC_ENABLED) !== 0;
}

/** SPIV bit 12 is set. */
export function spivDirectedEoi(value: LapicValue): boolean {
  return value.apic !== 'absent' && value.apic.present.spiv === 'bit12Set';
}

/** The SPIV register as the guest reads it. */
export function spivValue(value: LapicValue, context: LapicContext): number {
  return (context.spivLow | (spivDirectedEoi(value) ? SPIV_DIRECTED_EOI : 0)) >>> 0;
}

/** RDMSR of an x2APIC register: its value, or 'fault' (#GP) for a missing LAPIC, xAPIC mode or an unknown MSR. */
export function readMsr(value: LapicValue, context: LapicContext, msr: number): number | 'fault' {
  if (value.apic === 'absent' || !context.x2apic) return 'fault';
  const word = msr & 7;
  if (msr === MSR.id) return context.id;
  if (msr === MSR.lvr) return lvrValue(value);
  if (msr === MSR.spiv) return spivValue(value, context);
  if (msr === MSR.tpr) return context.tpr;
  if (msr === MSR.ppr) return processorPriority(context);
  if (msr === MSR.ldr) return x2apicLdr(context.id);
  // KVM never latches an error into ESR (kvm_lapic_reset() clears it).
  if (msr === MSR.esr) return 0;
  if (msr >= MSR.isr0 && msr < MSR.isr0 + 8) return vectors.registerWord(context.isr, word);
  if (msr >= MSR.tmr0 && msr < MSR.tmr0 + 8) return vectors.registerWord(context.tmr, word);
  if (msr >= MSR.irr0 && msr < MSR.irr0 + 8) return vectors.registerWord(context.irr, word);
  return 'fault';
}

/** A register of KVM_GET_LAPIC's page by xAPIC offset, or undefined when the model does not keep it. */
export function readLapicRegister(
  value: LapicValue,
  context: LapicContext,
  offset: number,
): number | undefined {
  const word = (offset >> 4) & 7;
  if (offset === LAPIC_REG.lvr) return lvrValue(value);
  if (offset === LAPIC_REG.spiv) return spivValue(value, context);
  if (offset >= LAPIC_REG.isr0 && offset < LAPIC_REG.isr0 + 0x80)
    return vectors.registerWord(context.isr, word);
  if (offset >= LAPIC_REG.tmr0 && offset < LAPIC_REG.tmr0 + 0x80)
    return vectors.registerWord(context.tmr, word);
  if (offset >= LAPIC_REG.irr0 && offset < LAPIC_REG.irr0 + 0x80)
    return vectors.registerWord(context.irr, word);
  return undefined;
}
