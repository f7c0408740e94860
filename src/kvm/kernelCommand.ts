import { MSR } from '../../machines/apic.js';
import type { Command } from '../model/command.js';
import { canBoot } from '../model/guests/habits.js';
import type { Observation } from '../model/observation.js';
import { ioapicOwner, type ModelState } from '../model/state.js';
import { ioapicWriter } from '../model/vcpuEntry.js';
import { requestFor } from './requests.js';
import { RunnerError } from './runnerError.js';
import type { Answer, RunnerProcess } from './runnerProcess.js';
import { ioapicMmioWrites, type VmmIoapic } from './vmmIoapic.js';

/** The exception vector the guest reports for a #GP. */
const GP_VECTOR = 13;

/** A runner and the VMM's I/O APIC of one VM on the real kernel. */
export interface KernelVm {
  /** The runner holding the VM. */
  runner: RunnerProcess;
  /** The userspace I/O APIC, used while the VM has a split irqchip (or none). */
  vmm: VmmIoapic;
}

/** vCPUs with an in-kernel LAPIC, whose IRR shows what a command delivered. */
function lapicVcpus(state: ModelState): number[] {
  return state.lapics.flatMap((lapic, vcpu) =>
    lapic != null && lapic.value.apic !== 'absent' ? [vcpu] : [],
  );
}

async function irrs(runner: RunnerProcess, vcpus: readonly number[]): Promise<Set<number>[]> {
  const answers = [];
  for (const vcpu of vcpus) answers.push(new Set((await runner.ask(`get_irr ${vcpu}`)).vectors ?? []));
  return answers;
}

/**
 * Vectors newly set in each IRR: the deliveries, as the kernel shows them, sorted, once per LAPIC that latched the
 * vector (a broadcast to two vCPUs is [64, 64]); repeats within one LAPIC are invisible.
 */
function newlyPending(before: readonly Set<number>[], after: readonly Set<number>[]): number[] {
  return after.flatMap((vectors, i) => [...vectors].filter((v) => !before[i]?.has(v))).sort((a, b) => a - b);
}

function checked(answer: Answer, request: string): Answer {
  if (answer.error !== undefined) throw new RunnerError(`runner: ${request}: ${answer.error}`);
  return answer;
}

/**
 * Runs a guest request and hands what exited to userspace (MMIO writes, EOI exits) to the VMM's I/O APIC. The
 * runner stops at each MMIO write, as a VMM's vCPU thread does; the VMM handles it before the vCPU re-enters.
 */
async function guest(vm: KernelVm, request: string, splitOrNone: boolean): Promise<Answer> {
  const resume = `guest_resume ${request.split(' ')[1]}`;
  const parts = [checked(await vm.runner.ask(request), request)];
  for (;;) {
    const answer = parts[parts.length - 1] as Answer;
    if (splitOrNone) {
      for (const [address, value] of answer.mmio ?? []) await vm.vmm.mmioWrite(address, value);
      for (const vector of answer.exits ?? []) await vm.vmm.eoi(vector, 'broadcast');
    }
    if (answer.paused !== 1) break;
    parts.push(checked(await vm.runner.ask(resume), resume));
  }
  return joined(parts);
}

/** One answer for a guest request that ran in parts: what each part saw, in order, and how the last one ended. */
function joined(parts: readonly Answer[]): Answer {
  const last = parts[parts.length - 1] as Answer;
  return {
    ...last,
    vector: parts.find((p) => p.vector != null)?.vector ?? null,
    fault: parts.find((p) => (p.fault ?? 0) !== 0)?.fault ?? 0,
    exits: parts.flatMap((p) => p.exits ?? []),
    mmio: parts.flatMap((p) => p.mmio ?? []),
  };
}

/**
 * I/O APIC MMIO writes as the guest issues them, from the model's ioapicWriter(); without one, straight to the
 * VMM's I/O APIC in split mode, where the kernel only forwards them. Undefined when no vCPU exists for KVM's.
 */
async function ioapicWrites(
  vm: KernelVm,
  state: ModelState,
  writes: readonly [number, number][],
): Promise<Answer[] | undefined> {
  const split = ioapicOwner(state) === 'vmm';
  const vcpu = ioapicWriter(state);
  if (vcpu === undefined && !split) return undefined;
  const answers: Answer[] = [];
  for (const [address, value] of writes) {
    if (vcpu === undefined) await vm.vmm.mmioWrite(address, value);
    else answers.push(await guest(vm, `guest_mmio ${vcpu} ${address} ${value}`, split));
  }
  return answers;
}

async function guestAction(vm: KernelVm, command: Command, state: ModelState): Promise<Answer[] | undefined> {
  const split = ioapicOwner(state) === 'vmm';
  switch (command.op) {
    case 'guest.wrmsr':
      return [
        await guest(
          vm,
          `guest_wrmsr ${command.vcpu} ${command.msr} ${command.value & 0xffff_ffffn} ${command.value >> 32n}`,
          split,
        ),
      ];
    case 'guest.eoi':
      return [await guest(vm, `guest_wrmsr ${command.vcpu} ${MSR.eoi} 0 0`, split)];
    case 'guest.rdmsr':
      return [await guest(vm, `guest_rdmsr ${command.vcpu} ${command.msr}`, split)];
    case 'guest.acceptInterrupt':
      return [await guest(vm, `guest_accept ${command.vcpu}`, split)];
    case 'guest.init':
      // The guest sends itself the INIT through the x2APIC ICR; the runner restarts an AP as a SIPI would.
      return canBoot(state, command.vcpu)
        ? [await guest(vm, `guest_init ${command.vcpu}`, split)]
        : undefined;
    case 'guest.ioapicWriteRte':
    case 'guest.ioapicEoi':
      return ioapicWrites(vm, state, ioapicMmioWrites(command));
    case 'device.setLine':
      if (split) await vm.vmm.setLine(command.pin, command.level === 1);
      else await vm.runner.ask(`irq_line ${command.pin} ${command.level}`);
      return [];
    default:
      return undefined;
  }
}

function guestObservation(command: Command, answers: readonly Answer[]): Observation {
  const fault = answers.find((a) => (a.fault ?? 0) !== 0)?.fault;
  if (fault !== undefined && fault !== GP_VECTOR) throw new RunnerError(`guest: exception vector ${fault}`);
  if (fault !== undefined) return { fault: '#GP' };
  const [answer] = answers;
  if (command.op === 'guest.rdmsr') return { value: (answer?.value ?? 0) >>> 0 };
  if (command.op === 'guest.acceptInterrupt') return { vector: answer?.vector ?? null };
  return {};
}

/**
 * Runs one command (a trace's or a guest program's reaction) on the real kernel, given the model's state before it
 * (which says who owns the I/O APIC and which vCPUs exist). Undefined when the runner cannot issue it: guest.init
 * of a vCPU without an in-kernel APIC and x2APIC in its CPUID.
 */
export async function runCommandOnKernel(
  vm: KernelVm,
  command: Command,
  state: ModelState,
): Promise<Observation | undefined> {
  const request = requestFor(command);
  if (request !== undefined) {
    const answer = checked(await vm.runner.ask(request), request);
    return answer.value !== undefined && answer.ret === 0
      ? { ret: 0, value: answer.value }
      : { ret: answer.ret ?? NaN };
  }
  if (command.op === 'clock.advance') return { exits: [], deliveries: [] };
  const vcpus = lapicVcpus(state);
  const before = await irrs(vm.runner, vcpus);
  const answers = await guestAction(vm, command, state);
  if (answers === undefined) return undefined;
  const deliveries = newlyPending(before, await irrs(vm.runner, vcpus));
  const exits = answers.flatMap((a) => a.exits ?? []);
  return { ...guestObservation(command, answers), exits, deliveries };
}
