import { MSR } from '../../machines/apic.js';
import type { RunnerProcess } from './runnerProcess.js';

/** Whether the kernel runs the runner's guest as hardware would, measured on a scratch VM. */
export interface GuestFidelity {
  /** True when an interrupt the guest takes stays in service (ISR) until the guest's EOI. */
  architectural: boolean;
  /** What the probe saw, in one line. */
  detail: string;
}

const VECTOR = 0x40;
const GSI = 5;
/** KVM_GET_LAPIC's ISR word holding VECTOR. */
const ISR_WORD = 0x100 + (VECTOR >> 5) * 0x10;

/**
 * Raises an MSI to vector 0x40 on an x2APIC vCPU with the in-kernel irqchip, lets the guest take it and reads its
 * ISR. Guest commands compare with the model only where this holds: on KVM's PVM backend, which emulates the
 * runner's non-long-mode guest, the LAPIC ends an interrupt as it is injected, so no EOI ever finds it in service.
 */
export async function probeGuestFidelity(runner: RunnerProcess): Promise<GuestFidelity> {
  const setup = [
    'new_vm',
    'create_irqchip',
    'create_vcpu 0',
    'set_cpuid 0 1',
    `guest_wrmsr 0 ${MSR.spiv} ${0x1ff} 0`,
    `route ${GSI} ${VECTOR} 0 0`,
    `irq_line ${GSI} 1`,
  ];
  try {
    for (const request of setup) {
      const answer = await runner.ask(request);
      if (answer.error !== undefined || (answer.ret ?? 0) < 0)
        return {
          architectural: false,
          detail: `the probe's ${request} failed: ${answer.error ?? answer.ret}`,
        };
    }
    const accepted = await runner.ask('guest_accept 0');
    if (accepted.error !== undefined)
      return { architectural: false, detail: `the guest could not take an interrupt (${accepted.error})` };
    if (accepted.vector !== VECTOR)
      return {
        architectural: false,
        detail: `the guest took ${accepted.vector ?? 'nothing'} with vector ${VECTOR} pending`,
      };
    const isr = await runner.ask(`get_lapic 0 ${ISR_WORD}`);
    if ((((isr.value ?? 0) >>> (VECTOR & 31)) & 1) === 0)
      return {
        architectural: false,
        detail: `the guest took vector ${VECTOR} but KVM_GET_LAPIC shows it not in service: the LAPIC ended it at injection`,
      };
    return {
      architectural: true,
      detail: `an interrupt the guest takes (vector ${VECTOR}) stays in service until its EOI`,
    };
  } finally {
    await runner.ask('new_vm');
  }
}
