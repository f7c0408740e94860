import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelSelftest } from '../../src/export/kernelSelftest.js';
import { parseTrace } from '../../src/model/trace.js';

const file = join(import.meta.dirname, '..', 'corpus', 'upstream', 'lvr-and-spiv-across-mode-changes.json');
const trace = parseTrace(readFileSync(file, 'utf8'), file);

describe('kernelSelftest', () => {
  const text = kernelSelftest(trace, file, 'seoib_lvr');

  it('is a selftest on a bare VM with one commented block per command', () => {
    expect(text).toMatch(/^\/\/ SPDX-License-Identifier: GPL-2.0-only\n/);
    expect(text).toContain('#include "kvm_util.h"');
    expect(text).toContain('\tvm = vm_create_barebones();');
    expect(text.match(/^\t\/\* \[\d+\] \{"op":/gm)).toHaveLength(trace.commands.length);
    expect(text).toContain('add seoib_lvr to TEST_GEN_PROGS_x86');
    expect(text.split('{').length).toBe(text.split('}').length);
  });

  it('asserts every return and every register read, with the masks of the trace', () => {
    const reads = trace.commands.filter((c) => c.op === 'KVM_GET_LAPIC').length;
    expect(text.match(/TEST_ASSERT_EQ\(/g)).toHaveLength(trace.commands.length + reads);
    expect(text).toContain('TEST_ASSERT_EQ(ret_of(__vm_enable_cap(vm, KVM_CAP_X2APIC_API, 4)), 0);');
    expect(text).toContain('TEST_ASSERT_EQ(*(u32 *)&lapic.regs[0x30] & 0xffffffff, 0x1050014);');
  });
});
