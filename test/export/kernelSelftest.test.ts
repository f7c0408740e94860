import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelSelftest } from '../../src/export/kernelSelftest.js';
import { isIoctl } from '../../src/model/command.js';
import { parseTrace } from '../../src/model/trace.js';

const corpus = join(import.meta.dirname, '..', 'corpus');
const load = (name: string) => {
  const file = join(corpus, name);
  return { file, trace: parseTrace(readFileSync(file, 'utf8'), file) };
};

describe('kernelSelftest of an ioctl trace', () => {
  const { file, trace } = load('upstream/lvr-and-spiv-across-mode-changes.json');
  const text = kernelSelftest(trace, file, 'seoib_lvr');

  it('is a selftest on a VM without irqchip, one commented block per command, listed for Makefile.kvm', () => {
    expect(text).toMatch(/^\/\/ SPDX-License-Identifier: GPL-2.0-only\n/);
    expect(text).toContain('#include "kvm_util.h"');
    expect(text).toContain('\tvm = vm_create_without_irqchip();');
    expect(text.match(/^\t\/\* \[\d+\.0\] \{"op":/gm)).toHaveLength(trace.commands.length);
    expect(text).toContain(' * and add x86/seoib_lvr to TEST_GEN_PROGS_x86 in Makefile.kvm.');
    expect(text.split('{').length).toBe(text.split('}').length);
  });

  it('asserts every return and every register read, with the masks of the trace', () => {
    const ioctls = trace.commands.filter(isIoctl).length;
    const reads = trace.commands.filter((c) => c.op === 'KVM_GET_LAPIC').length;
    // One per ioctl and read; a created vCPU's is its CPUID without x2APIC (vm_vcpu_add asserts the creation).
    expect(text.match(/^\tTEST_ASSERT_EQ\(/gm)).toHaveLength(ioctls + reads);
    expect(
      text.match(/^\tTEST_ASSERT_EQ\(set_cpuid\(vcpu_fds\[\d\], false\), 0\);/gm)?.length,
    ).toBeGreaterThanOrEqual(2);
    expect(text).toContain('TEST_ASSERT_EQ(ret_of(__vm_enable_cap(vm, KVM_CAP_X2APIC_API, 4)), 0);');
    expect(text).toContain('TEST_ASSERT_EQ(*(u32 *)&lapic.regs[0x30] & 0xffffffff, 0x1050014);');
    expect(text).toContain('\tvcpus[0] = vm_vcpu_add(vm, 0, guest_code_0);');
  });
});

describe('kernelSelftest of the storm (upstream, ioapic-0x20, neither flag, Credential Guard)', () => {
  const { file, trace } = load('found/no-storm--upstream--ioapic-0x20--none--credential-guard.json');
  const text = kernelSelftest(trace, file, 'seoib_storm');

  it("plays the profile's userspace I/O APIC", () => {
    expect(text).toContain(
      '#define IOAPIC_VERSION 0x20\n#define EOI_RECHECKS_LINE 1\n#define EDGE_SWITCH_CLEARS_REMOTE_IRR 1',
    );
    expect(text).toContain('#define NR_VCPUS 1\n#define NR_PINS 2\n');
  });

  it("runs the guest program's reactions in guest_code_0, each reported with its step number", () => {
    const guest = text.slice(text.indexOf('static void guest_code_0(void)'), text.indexOf('int main('));
    const steps = [...guest.matchAll(/GUEST_SYNC4\((\d+|GUEST_STARTED),/g)].map((m) => m[1]);
    const numbers = steps.slice(1).map(Number);
    expect(steps[0]).toBe('GUEST_STARTED');
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(guest).toContain('GUEST_SYNC4(4, (u64)fault, (u64)value, (u64)0);');
    expect(guest.match(/guest_accept_interrupt\(\)/g)).toHaveLength(16);
    expect(guest.match(/wrmsr_safe\(0x80b, 0\)/g)).toHaveLength(16);
    expect(text).toContain('\tuc = guest_step(0, 4);');
  });

  it('checks each step: the exits and the deliveries the trace records, the storm bound when a command ends', () => {
    expect(text).toContain('\tend_step((int[]){ 0, -1 }, (int[]){ 64, -1 }, (int[]){ 64, -1 });');
    expect(text).toContain('/* no-storm: end_command() checks the storm bound of every trace command */');
    expect(text).toContain(
      `\tfinding(step_name, !exited(64) && remote_irr(0, false), "no-unmask-before-ioapic-eoi: the LAPIC EOI of vector 64 serviced pin 0 before the guest's I/O APIC EOI");`,
    );
    expect(text).toContain(' *   [4.2] no-unmask-before-ioapic-eoi\n *   [4] no-storm\n');
  });
});

describe('kernelSelftest of the stuck pin on cloud-hypervisor', () => {
  const { file, trace } = load('found/no-stuck-pin--upstream--cloud-hypervisor--enable--windows-hyperv.json');
  const text = kernelSelftest(trace, file, 'seoib_stuck');

  it("plays cloud-hypervisor's I/O APIC and asserts that Remote IRR clears after the guest's I/O APIC EOI", () => {
    expect(text).toContain(
      '#define IOAPIC_VERSION 0x11\n#define EOI_RECHECKS_LINE 0\n#define EDGE_SWITCH_CLEARS_REMOTE_IRR 0',
    );
    expect(text).toMatch(
      /\tfinding\(step_name, !remote_irr\(1, false\), "no-stuck-pin: pin 1 keeps Remote IRR/,
    );
    expect(text).toContain('\tuc = guest_step(0, ');
    expect(text).toMatch(/guest_ioapic_write\(0x40, 0x40\);/);
  });
});

describe("kernelSelftest with KVM's own I/O APIC", () => {
  const { file, trace } = load('upstream/kernel-irqchip-broadcast-eoi.json');
  const text = kernelSelftest(trace, file, 'seoib_kernel');

  it("raises lines with KVM_IRQ_LINE and writes KVM's I/O APIC from the guest", () => {
    expect(text).toContain('TEST_ASSERT_EQ(ret_of(__vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL)), 0);');
    expect(text).toMatch(/\tkvm_irq_line\(vm, \d+, 1\);/);
    expect(text).not.toMatch(/\tvmm_set_line\(/);
    expect(text).toMatch(/\tguest_ioapic_write\(0x10, 0x[0-9a-f]+\);/);
  });
});
