import type { LapicValue } from '../../machines/lapic.js';
import type { VectorSet } from '../../machines/vectorSet.js';
import { INVARIANTS, type Monitors } from '../invariants/index.js';
import type { Config } from '../model/config.js';
import type { GuestPhase } from '../model/guests/program.js';
import type { LapicSnapshot, ModelState, PinSnapshot } from '../model/state.js';
import { BitWriter } from './bitWriter.js';
import { Codebook } from './codebook.js';
import { inverse, permutations } from './permutations.js';

/** Four vectors: the reset vector 0 and up to three the exploration uses. */
const VECTOR_BITS = 2;
/** Bits of a vector-set mask: one per vector code. */
export const VECTOR_SET_BITS = 2 ** VECTOR_BITS;
const IRQCHIP = { none: 0, kernel: 1, split: 2 } as const;
const SEOIB = { quirked: 0, enabled: 1, disabled: 2 } as const;
const PHASE = { off: 0, booting: 1, probing: 2, idle: 3, handling: 4 } as const;
const STEP = { accepted: 0, tmrSet: 1, tmrClear: 2, lapicEoiDone: 3, pinMasked: 4 } as const;

function apicCode(value: LapicValue): number {
  if (value.apic === 'absent') return 1;
  const { lvr, spiv } = value.apic.present;
  // Stryker disable next-line EqualityOperator: any one-to-one coding of the field keys the same states apart.
  return 2 + (lvr === 'bit24Set' ? 2 : 0) + (spiv === 'bit12Set' ? 1 : 0);
}

/** Bits of the key's fields, section by section: the one place their widths are stated. */
function layoutFor(config: Config) {
  const vcpuBits = Math.max(1, Math.ceil(Math.log2(config.vcpus)));
  return {
    vm: {
      irqchip: 2,
      seoib: 2,
      reservedPins: 3,
      x2apicFormat: 1,
      quirkOff: 1,
    },
    lapic: {
      apic: 3,
      hasRun: 1,
      inKernel: 1,
      x2apic: 1,
      cpuidSet: 1,
      spivLow: 4,
      vectorSet: VECTOR_SET_BITS,
      scanRequested: 1,
      /** 0 for none, else 1 + the vector's code. */
      staleEoi: VECTOR_BITS + 1,
    },
    guest: { phase: 3, directed: 1, vector: VECTOR_BITS, step: 3 },
    pin: { remoteIrr: 1, version: 1, vector: VECTOR_BITS, dest: vcpuBits, level: 1, masked: 1, line: 1 },
    monitors: { vectors: VECTOR_SET_BITS, pins: config.pins },
  };
}
type Layout = ReturnType<typeof layoutFor>;

const sum = (fields: object): number => Object.values(fields).reduce((a: number, b: number) => a + b, 0);

/** Upper bound of the key's length in 32-bit words (a LAPIC has four vector sets: IRR, ISR, TMR, EOI-exit). */
function wordsFor(layout: Layout, config: Config): number {
  const lapic = sum(layout.lapic) + 3 * layout.lapic.vectorSet + sum(layout.guest);
  const monitors = INVARIANTS.reduce(
    (bits, i) => bits + (i.carries === undefined ? 0 : layout.monitors[i.carries]),
    0,
  );
  return Math.ceil((sum(layout.vm) + config.vcpus * lapic + config.pins * sum(layout.pin) + monitors) / 32);
}

/**
 * The canonical compact key of an explored state: every field that decides the model's future (and the
 * invariants' carried monitors) packed into a few 32-bit words. With symmetry, the key is the least over every
 * renaming of vCPUs and of pins, so states equal up to renaming share one key.
 *
 * Left out on purpose: the profile and config (fixed per exploration), the VM's vCPU ids and `vcpus` region (a vCPU
 * is created exactly when its LAPIC snapshot is there, which the key holds), the pin number and vCPU id inside each
 * machine's context (their position), the clock (no profile reads it yet; one that does must add it here), TPR (no
 * alphabet command writes it; encode() refuses a state with one) and KVM's RTC EOI tracking (pin 8, beyond
 * EXPLORE_LIMITS.pins).
 */
export class StateKey {
  /** Key length in 32-bit words. */
  readonly words: number;
  private readonly vcpuPermutations: number[][];
  private readonly pinPermutations: number[][];
  private readonly best: Uint32Array;
  private readonly trial: BitWriter;
  private readonly layout: Layout;
  private readonly vectors: Codebook;
  private readonly spivLow: Codebook;
  private readonly reservedPins: Codebook;
  private readonly ioapicVersion: Codebook;

  constructor(
    readonly config: Config,
    symmetry: boolean,
  ) {
    this.layout = layoutFor(config);
    this.vectors = new Codebook('vector', this.layout.pin.vector);
    this.spivLow = new Codebook('SPIV low bits', this.layout.lapic.spivLow);
    this.reservedPins = new Codebook('reserved pins', this.layout.vm.reservedPins);
    this.ioapicVersion = new Codebook('I/O APIC version', this.layout.pin.version);
    this.words = wordsFor(this.layout, config);
    this.best = new Uint32Array(this.words);
    this.trial = new BitWriter(new Uint32Array(this.words));
    const identity = (n: number) => [Array.from({ length: n }, (_, i) => i)];
    this.vcpuPermutations = symmetry ? permutations(config.vcpus) : identity(config.vcpus);
    this.pinPermutations = symmetry ? permutations(config.pins) : identity(config.pins);
  }

  /** The vector behind a code of vectorMask(). */
  vectorOf(code: number): number {
    return this.vectors.values[code] as number;
  }

  /** A set of vectors as a bit mask over their codes (order-free, so renaming-free). */
  vectorMask(set: Iterable<number>): number {
    let mask = 0;
    for (const vector of set) mask |= 1 << this.vectors.code(vector);
    return mask;
  }

  /** The canonical key of (state, monitors); valid until the next call. */
  encode(state: ModelState, monitors: Monitors): Uint32Array {
    let first = true;
    for (const vcpus of this.vcpuPermutations) {
      for (const pins of this.pinPermutations) {
        this.write(state, monitors, vcpus, pins);
        if (first || this.less(this.trial.words, this.best)) this.best.set(this.trial.words);
        first = false;
      }
    }
    return this.best;
  }

  // Stryker disable EqualityOperator,BooleanLiteral: any total order of the keys picks one canonical renaming.
  private less(a: Uint32Array, b: Uint32Array): boolean {
    for (let i = 0; i < a.length; i++) {
      if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number);
    }
    return false;
  }
  // Stryker restore EqualityOperator,BooleanLiteral

  private write(state: ModelState, monitors: Monitors, vcpus: number[], pins: number[]): void {
    const out = this.trial;
    out.reset();
    const { value, context } = state.vm;
    const bits = this.layout.vm;
    out.put(IRQCHIP[value.irqchip], bits.irqchip);
    out.put(SEOIB[value.seoib], bits.seoib);
    out.put(this.reservedPins.code(context.reservedPins), bits.reservedPins);
    out.put(context.x2apicFormat ? 1 : 0, bits.x2apicFormat);
    out.put(context.broadcastQuirkDisabled ? 1 : 0, bits.quirkOff);
    for (const old of inverse(vcpus)) {
      this.writeLapic(state.lapics[old] ?? null);
      this.writeGuest(state.guest[old] as GuestPhase);
    }
    for (const old of inverse(pins)) this.writePin(state.pins[old] as PinSnapshot, vcpus);
    for (const invariant of INVARIANTS) {
      const carried = monitors[invariant.id] as VectorSet;
      if (invariant.carries === 'vectors') out.put(this.vectorMask(carried), this.layout.monitors.vectors);
      if (invariant.carries === 'pins') {
        let mask = 0;
        for (const pin of carried) mask |= 1 << (pins[pin] as number);
        out.put(mask, this.layout.monitors.pins);
      }
    }
    // Stryker disable next-line ConditionalExpression,StringLiteral: wordsFor() bounds every layout; this guards the next field.
    if (out.length > this.words * 32) throw new Error(`explore: state key overflows ${this.words} words`);
  }

  private writeLapic(lapic: LapicSnapshot | null): void {
    const out = this.trial;
    const bits = this.layout.lapic;
    if (lapic === null) {
      out.put(0, bits.apic);
      return;
    }
    const { value, context } = lapic;
    // No alphabet command writes TPR; a state that did would need it in the key.
    if (context.tpr !== 0) throw new Error('explore: TPR is not in the state key');
    out.put(apicCode(value), bits.apic);
    // Stryker disable next-line EqualityOperator: any one-to-one coding of the field keys the same states apart.
    out.put(value.run === 'hasRun' ? 1 : 0, bits.hasRun);
    out.put(context.inKernel ? 1 : 0, bits.inKernel);
    out.put(context.x2apic ? 1 : 0, bits.x2apic);
    out.put(context.cpuidSet ? 1 : 0, bits.cpuidSet);
    out.put(this.spivLow.code(context.spivLow), bits.spivLow);
    for (const set of [context.irr, context.isr, context.tmr, context.eoiExit])
      out.put(this.vectorMask(set), bits.vectorSet);
    out.put(context.scanRequested ? 1 : 0, bits.scanRequested);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: -1 or a delivered vector (≥ 16), coded one-to-one either way.
    out.put(context.staleEoi < 0 ? 0 : 1 + this.vectors.code(context.staleEoi), bits.staleEoi);
  }

  private writeGuest(phase: GuestPhase): void {
    const out = this.trial;
    const bits = this.layout.guest;
    out.put(PHASE[phase.phase], bits.phase);
    // Stryker disable ConditionalExpression,StringLiteral: a phase without the field writes one constant either way.
    out.put(phase.phase !== 'off' && phase.directed ? 1 : 0, bits.directed);
    out.put(phase.phase === 'handling' ? this.vectors.code(phase.vector) : 0, bits.vector);
    out.put(phase.phase === 'handling' ? STEP[phase.step] : 0, bits.step);
    // Stryker restore ConditionalExpression,StringLiteral
  }

  private writePin(pin: PinSnapshot, vcpus: number[]): void {
    const out = this.trial;
    const { value, context } = pin;
    const dest = vcpus[context.dest];
    if (dest === undefined) throw new Error(`explore: pin destination ${context.dest} is not a vCPU id`);
    const bits = this.layout.pin;
    // Stryker disable next-line EqualityOperator: any one-to-one coding of the field keys the same states apart.
    out.put(value === 'remoteIrrSet' ? 1 : 0, bits.remoteIrr);
    out.put(this.ioapicVersion.code(context.version), bits.version);
    out.put(this.vectors.code(context.vector), bits.vector);
    out.put(dest, bits.dest);
    // Stryker disable next-line EqualityOperator: any one-to-one coding of the field keys the same states apart.
    out.put(context.trigger === 'level' ? 1 : 0, bits.level);
    out.put(context.masked ? 1 : 0, bits.masked);
    out.put(context.line ? 1 : 0, bits.line);
  }
}
