import {
  ioapicPinMachine,
  type PinEvent,
  RTE_WRITE_ORDER,
  withHalf,
  writeRteEvent,
} from '../../machines/ioapicPin.js';
import type { Command } from '../model/command.js';
import { advance } from '../model/drive.js';
import { type PinSnapshot, startPins, vmmIoapic } from '../model/state.js';
import type { VmmProfile } from '../model/vmms.js';
import type { RunnerProcess } from './runnerProcess.js';

/** Guest-physical addresses of the I/O APIC's registers. */
export const IOAPIC_MMIO = { select: 0xfec0_0000, window: 0xfec0_0010, eoi: 0xfec0_0040 } as const;

/** The redirection-entry register index of a pin's low (vector, trigger, mask) or high (destination) half. */
export function rteRegister(pin: number, half: 'low' | 'high'): number {
  return 0x10 + 2 * pin + (half === 'high' ? 1 : 0);
}

/**
 * The 32-bit MMIO writes a guest makes for an I/O APIC command, as [address, value]: an RTE is written in two
 * halves through IOREGSEL/IOWIN, in RTE_WRITE_ORDER; an I/O APIC EOI is one write of the EOI register.
 */
export function ioapicMmioWrites(command: Command): [number, number][] {
  if (command.op === 'guest.ioapicEoi') return [[IOAPIC_MMIO.eoi, command.vector]];
  if (command.op !== 'guest.ioapicWriteRte') return [];
  const low = command.vector | (command.trigger === 'level' ? 1 << 15 : 0) | (command.masked ? 1 << 16 : 0);
  return RTE_WRITE_ORDER.flatMap((half): [number, number][] => [
    [IOAPIC_MMIO.select, rteRegister(command.pin, half)],
    [IOAPIC_MMIO.window, half === 'high' ? (command.dest << 24) >>> 0 : low],
  ]);
}

/**
 * The VMM's userspace I/O APIC behind a real split irqchip: the model's own pin machines, fed with the guest's
 * MMIO writes and the kernel's KVM_EXIT_IOAPIC_EOI exits, delivering through the runner (an MSI route per pin,
 * KVM_IRQ_LINE on it, as QEMU does). So the VMM code the model checks is the code run against the kernel.
 */
export class VmmIoapic {
  private pins: PinSnapshot[];
  private select = 0;

  constructor(
    private readonly runner: RunnerProcess,
    pins: number,
    profile: VmmProfile,
  ) {
    this.pins = [...startPins(pins, vmmIoapic(profile))];
  }

  /** A guest write to the I/O APIC's MMIO window. */
  async mmioWrite(address: number, value: number): Promise<void> {
    if (address === IOAPIC_MMIO.select) this.select = value & 0xff;
    else if (address === IOAPIC_MMIO.eoi) await this.eoi(value & 0xff, 'register');
    else if (address === IOAPIC_MMIO.window) await this.writeWindow(value);
  }

  /** The device's line. */
  async setLine(pin: number, level: boolean): Promise<void> {
    await this.send(pin, { type: 'SET_LINE', level });
  }

  /** An EOI for `vector` reaching every pin: a KVM_EXIT_IOAPIC_EOI (broadcast) or the EOI register. */
  async eoi(vector: number, source: 'broadcast' | 'register'): Promise<void> {
    for (let pin = 0; pin < this.pins.length; pin++) await this.send(pin, { type: 'EOI', vector, source });
  }

  /** A write of either half of a redirection entry; like QEMU, the pin is updated and serviced after each. */
  private async writeWindow(value: number): Promise<void> {
    const pin = (this.select - 0x10) >> 1;
    if (this.select < 0x10 || pin >= this.pins.length) return;
    const half = this.select === rteRegister(pin, 'high') ? 'high' : 'low';
    const written = {
      vector: value & 0xff,
      dest: value >>> 24,
      trigger: value & (1 << 15) ? ('level' as const) : ('edge' as const),
      masked: (value & (1 << 16)) !== 0,
    };
    const rte = withHalf((this.pins[pin] as PinSnapshot).context, written, half);
    await this.runner.ask(`route ${pin} ${rte.vector} ${rte.dest} ${rte.trigger === 'level' ? 1 : 0}`);
    await this.send(pin, writeRteEvent(rte));
  }

  private async send(pin: number, event: PinEvent): Promise<void> {
    const current = this.pins[pin] as PinSnapshot;
    const { next, emitted } = advance(ioapicPinMachine, current, event);
    this.pins[pin] = next;
    // Rescans and Remote IRR are KVM's and the pin's own business here; only deliveries reach the kernel.
    for (const message of emitted)
      if (message.type === 'deliver') await this.runner.ask(`irq_line ${message.pin} 1`);
  }
}
