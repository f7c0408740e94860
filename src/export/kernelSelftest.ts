import { MSR } from '../../machines/apic.js';
import { IOAPIC_MMIO, ioapicMmioWrites } from '../kvm/vmmIoapic.js';
import type { Command } from '../model/command.js';
import type { Trace } from '../model/trace.js';
import { VMMS } from '../model/vmms.js';
import { selftestHarness } from './selftestHarness.js';
import {
  expectedFindings,
  type FindingCheck,
  type SelftestPlan,
  type SelftestStep,
  selftestPlan,
} from './selftestPlan.js';

const hex = (n: number | bigint) => `0x${(typeof n === 'bigint' ? n : n >>> 0).toString(16)}`;
const list = (values: readonly number[]) => `(int[]){ ${[...values, -1].join(', ')} }`;
const cString = (text: string) => JSON.stringify(text.replaceAll('*/', '* /'));
const GP_VECTOR = 13;

/** The I/O APIC MMIO writes of a guest command, as [offset from the I/O APIC's base, value]. */
function ioapicWrites(command: Command): [number, number][] {
  return ioapicMmioWrites(command).map(([address, value]) => [address - IOAPIC_MMIO.select, value]);
}

/** The guest's side of a step: what it does, then GUEST_SYNC4(step, fault, value, vector). */
function guestLines(step: SelftestStep, number: number): string[] {
  const { command } = step;
  const sync = (fault: string, value: string, vector: string) =>
    `GUEST_SYNC4(${number}, (u64)${fault}, (u64)${value}, (u64)${vector});`;
  switch (command.op) {
    case 'guest.wrmsr':
      return [sync(`wrmsr_safe(${hex(command.msr)}, ${hex(command.value)}ULL)`, '0', '0')];
    case 'guest.eoi':
      return [sync(`wrmsr_safe(${hex(MSR.eoi)}, 0)`, '0', '0')];
    case 'guest.rdmsr':
      return [`fault = rdmsr_safe(${hex(command.msr)}, &value);`, sync('fault', 'value', '0')];
    case 'guest.acceptInterrupt':
      return [sync('0', '0', 'guest_accept_interrupt()')];
    default:
      return [
        ...ioapicWrites(command).map(
          ([offset, value]) => `guest_ioapic_write(${hex(offset)}, ${hex(value)});`,
        ),
        sync('0', '0', '0'),
      ];
  }
}

function ioctlLines(step: SelftestStep): string[] {
  const { command } = step;
  const ret = step.expected.ret ?? 0;
  switch (command.op) {
    case 'KVM_CHECK_EXTENSION':
      return command.fd === 'system'
        ? [`TEST_ASSERT_EQ(kvm_check_cap(KVM_CAP_X2APIC_API), ${ret});`]
        : [`TEST_ASSERT_EQ(vm_check_cap(vm, KVM_CAP_X2APIC_API), ${ret});`];
    case 'KVM_CREATE_IRQCHIP':
      return [`TEST_ASSERT_EQ(ret_of(__vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL)), ${ret});`];
    case 'KVM_ENABLE_CAP':
      return [`TEST_ASSERT_EQ(ret_of(__vm_enable_cap(vm, ${command.cap}, ${command.args[0]})), ${ret});`];
    case 'KVM_CREATE_VCPU':
      if (ret !== 0) {
        return [
          `r = __vm_ioctl(vm, KVM_CREATE_VCPU, (void *)${command.id}UL);`,
          `TEST_ASSERT_EQ(ret_of(r), ${ret});`,
        ];
      }
      // KVM_CREATE_VCPU as the library does it (registers, stack, page tables), then no x2APIC in CPUID, as a
      // vCPU fresh from KVM_CREATE_VCPU has none until the VMM sets it.
      return [
        `vcpus[${command.id}] = vm_vcpu_add(vm, ${command.id}, guest_code_${command.id});`,
        `vcpu_fds[${command.id}] = vcpus[${command.id}]->fd;`,
        `TEST_ASSERT_EQ(set_cpuid(vcpu_fds[${command.id}], false), 0);`,
      ];
    case 'KVM_SET_CPUID2':
      return [`TEST_ASSERT_EQ(set_cpuid(vcpu_fds[${command.vcpu}], ${command.x2apic}), ${ret});`];
    case 'KVM_GET_LAPIC': {
      const lines = [
        `TEST_ASSERT_EQ(ret_of(ioctl(vcpu_fds[${command.vcpu}], KVM_GET_LAPIC, &lapic)), ${ret});`,
      ];
      if (step.expected.value !== undefined && ret === 0) {
        lines.push(
          `TEST_ASSERT_EQ(*(u32 *)&lapic.regs[${hex(command.reg)}] & ${hex(step.mask)}, ${hex(step.expected.value & step.mask)});`,
        );
      }
      return lines;
    }
    case 'KVM_SET_LAPIC':
      return [
        `TEST_ASSERT_EQ(set_lapic(vcpu_fds[${command.vcpu}], ${hex(command.spiv)}, ${list(command.irr ?? [])}, ${list(command.isr ?? [])}, ${list(command.tmr ?? [])}), ${ret});`,
      ];
    default:
      return [];
  }
}

/** What the host does for a step the guest does not run: the device's line, the VMM's own I/O APIC, the clock. */
function hostLines(step: SelftestStep): string[] {
  const { command } = step;
  const vmm = step.ioapic === 'vmm';
  switch (command.op) {
    case 'device.setLine':
      return [
        vmm
          ? `vmm_set_line(${command.pin}, ${command.level === 1});`
          : `kvm_irq_line(vm, ${command.pin}, ${command.level});`,
      ];
    case 'clock.advance':
      // KVM's own I/O APIC throttles on kernel time, which a selftest does not step.
      return vmm ? [`vmm_tick(${command.ns}ULL);`] : ['/* clock.advance: KVM keeps its own time */'];
    default:
      return ioapicWrites(command).map(
        ([offset, value]) => `vmm_mmio_write(IOAPIC_GPA + ${hex(offset)}, ${hex(value)});`,
      );
  }
}

function findingLines(check: FindingCheck, step: SelftestStep): string[] {
  const kernel = step.ioapic === 'kernel';
  const finding = (condition: string, what: string) =>
    `finding(step_name, ${condition}, "${check.invariant}: ${what}");`;
  switch (check.kind) {
    case 'stormBound':
      return [`/* ${check.invariant}: end_command() checks the storm bound of every trace command */`];
    case 'remoteIrrClear':
      return check.pins.map((pin) =>
        finding(
          `!remote_irr(${pin}, ${kernel})`,
          `pin ${pin} keeps Remote IRR after the guest completed its EOI protocol: the interrupt is stranded`,
        ),
      );
    case 'notServiced':
      return [
        finding(
          `!exited(${check.vector}) && remote_irr(${check.pin}, ${kernel})`,
          `the LAPIC EOI of vector ${check.vector} serviced pin ${check.pin} before the guest's I/O APIC EOI`,
        ),
      ];
    case 'lvrBit24':
      return check.vcpus.map(({ vcpu, advertise }) =>
        finding(
          `!!(lapic_reg(${vcpu}, 0x30) & BIT(24)) == ${advertise}`,
          `LVR bit 24 of vCPU ${vcpu} is not ${advertise ? 'set' : 'clear'}, as the VM's Suppress EOI Broadcast mode says`,
        ),
      );
    case 'spivNeedsLvr':
      return check.vcpus.map((vcpu) =>
        finding(
          `!(lapic_reg(${vcpu}, 0xf0) & BIT(12)) || (lapic_reg(${vcpu}, 0x30) & BIT(24))`,
          `SPIV bit 12 set on vCPU ${vcpu} without LVR bit 24`,
        ),
      );
    case 'oneExit':
      return [
        finding(
          `nr_exits == 1 && exits[0] == ${check.vector}`,
          `the LAPIC EOI of vector ${check.vector} did not exit to the VMM exactly once`,
        ),
      ];
  }
}

/** The host's side of a step, with every check of what the kernel answered. */
function hostStep(step: SelftestStep, number: number): string[] {
  const name = `[${step.index}.${step.reaction}] ${step.text}`;
  const lines = [`/* ${name.replaceAll('*/', '* /')} */`];
  if (step.reaction === 0) lines.push(`begin_command(${cString(`[${step.index}] ${step.text}`)});`);
  if (step.actor.kind === 'host' && step.expected.exits === undefined) {
    lines.push(`step_name = ${cString(name)};`, ...ioctlLines(step));
  } else {
    lines.push(`begin_step(${cString(name)}, ${list(step.lapicVcpus)});`);
    if (step.actor.kind === 'guest') {
      lines.push(`uc = guest_step(${step.actor.vcpu}, ${number});`);
      const fault = step.expected.fault === '#GP' ? GP_VECTOR : 0;
      lines.push(`expect_guest(uc, ${fault});`);
      if (step.command.op === 'guest.rdmsr' && step.expected.value !== undefined && fault === 0) {
        const want = hex(step.expected.value & step.mask);
        lines.push(
          `TEST_ASSERT(((u32)uc.args[2] & ${hex(step.mask)}) == ${want}, "%s: RDMSR read 0x%x, the trace expects ${want} under ${hex(step.mask)}", step_name, (u32)uc.args[2]);`,
        );
      }
      if (step.command.op === 'guest.acceptInterrupt')
        lines.push(
          `TEST_ASSERT((int)uc.args[3] == ${step.expected.vector ?? -1}, "%s: the guest took vector %d, the trace expects ${step.expected.vector ?? 'none (-1)'}", step_name, (int)uc.args[3]);`,
        );
    } else {
      lines.push(...hostLines(step));
    }
    const exits = step.expected.exits === undefined ? 'NULL' : list(step.expected.exits);
    const deliveries = step.expected.deliveries === undefined ? 'NULL' : list(step.visibleDeliveries);
    lines.push(`end_step(${list(step.lapicVcpus)}, ${exits}, ${deliveries});`);
  }
  for (const check of step.findings) lines.push(...findingLines(check, step));
  for (const id of step.unchecked)
    lines.push(`/* the model finds ${id} here, which this export has no kernel-side check for */`);
  return lines;
}

/** The guest code of one vCPU: its steps, in order, each reporting back with GUEST_SYNC4. */
function guestCode(vcpu: number, steps: readonly SelftestStep[]): string {
  const mine = steps.flatMap((step, k) =>
    step.actor.kind === 'guest' && step.actor.vcpu === vcpu
      ? [
          `/* [${step.index}.${step.reaction}] ${step.text.replaceAll('*/', '* /')} */`,
          ...guestLines(step, k + 1),
        ]
      : [],
  );
  const reads = steps.some(
    (s) => s.actor.kind === 'guest' && s.actor.vcpu === vcpu && s.command.op === 'guest.rdmsr',
  );
  return `static void guest_code_${vcpu}(void)
{
${reads ? '\tu64 value;\n\tu8 fault;\n\n' : ''}\tguest_mask_8259();
\tGUEST_SYNC4(GUEST_STARTED, 0, 0, 0);
${mine.map((line) => `\t${line}`).join('\n')}
\tGUEST_DONE();
}`;
}

/** What the exported test checks, for its header comment. */
function summary(plan: SelftestPlan): string[] {
  const findings = expectedFindings(plan);
  return findings.length === 0
    ? [
        ' * The model finds no violation in this trace: the test passes where the kernel answers as the trace says.',
      ]
    : [
        ' * It reports each finding (an invariant the model finds violated) where the kernel does what the trace',
        ' * found, the storm bound when its trace command ends, then fails:',
        ...findings.map((finding) => ` *   ${finding}`),
      ];
}

/**
 * A KVM selftest (tools/testing/selftests/kvm/x86) for a trace, guest commands included: the host replays the
 * trace's ioctls and device events and plays the trace's VMM I/O APIC; each vCPU's guest_code() does its x2APIC
 * MSR accesses, interrupt windows and I/O APIC MMIO in order, reporting each with GUEST_SYNC. Every answer the
 * trace records (or the model predicts where it records none) is asserted, every delivery counts towards the storm
 * bound, and each invariant the model finds violated is asserted where it finds it.
 */
export function kernelSelftest(trace: Trace, file: string, name: string): string {
  const plan = selftestPlan(trace, file);
  const vmm = VMMS.get(trace.profile.vmm);
  if (vmm === undefined) throw new Error(`unknown VMM profile ${trace.profile.vmm}`);
  const { vcpus, pins } = trace.config;
  // Step numbers start at 1: 0 is the guest's report that it started.
  const body = plan.steps.flatMap((step, k) => hostStep(step, k + 1));
  const guests = Array.from({ length: vcpus }, (_, vcpu) => guestCode(vcpu, plan.steps)).join('\n\n');
  return `// SPDX-License-Identifier: GPL-2.0-only
/*
 * ${name}: generated by seoib from ${file.replaceAll('*/', '* /')}
 * (profile: kernel ${trace.profile.kernel}, VMM ${trace.profile.vmm}, guest ${trace.profile.guest}).
 *
 * The x2APIC Suppress EOI Broadcast (directed EOI) protocol between KVM, a VMM's I/O APIC and a guest: the host
 * issues the trace's ioctls and device events and plays the VMM's userspace I/O APIC; each guest does its x2APIC
 * MSR accesses, interrupt windows and I/O APIC writes. Every answer of the kernel is checked against the trace.
${summary(plan).join('\n')}
 *
 * Goes into tools/testing/selftests/kvm/x86/, listed in TEST_GEN_PROGS_x86 of Makefile.kvm.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "apic.h"
#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall_common.h"

${selftestHarness({ vcpus, pins, vmm })}
${guests}

int main(int argc, char *argv[])
{
\tstruct kvm_lapic_state lapic;
\tstruct ucall uc;
\tint r;

\tTEST_REQUIRE(kvm_has_cap(KVM_CAP_X2APIC_API));
\tvm = vm_create_without_irqchip();

${body.map((line) => `\t${line}`).join('\n')}

\tend_command();
\tTEST_ASSERT(!nr_findings, "%d finding(s) above: the kernel did what the trace found", nr_findings);
\t(void)lapic;
\t(void)uc;
\t(void)r;
\tkvm_vm_free(vm);
\treturn 0;
}
`;
}
