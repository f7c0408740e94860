import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connection, connect, guestLeftOut, type KernelSource } from '../../src/kvm/connect.js';
import { diffKernel } from '../../src/kvm/kernelDiff.js';
import { KvmUnavailable } from '../../src/kvm/kvmUnavailable.js';

const source: KernelSource = existsSync('/dev/kvm') ? { kind: 'local' } : { kind: 'qemu', suite: 'sid' };
const profile = 'upstream';

describe('diffKernel on the patched kernel (seeds 5 and 6)', () => {
  let connection: Connection | undefined;
  let unavailable = '';

  beforeAll(async () => {
    try {
      connection = await connect(source);
    } catch (error) {
      if (!(error instanceof KvmUnavailable)) throw error;
      unavailable = error.message.split('\n')[0] as string;
      console.log(`kernelDiff skipped: ${unavailable}`);
    }
  }, 400_000);

  afterAll(() => connection?.runner.close());

  it('finds no disagreement between the kernel and the upstream profile over 100 random traces (ioctls, and guest and device commands where the guest is architectural)', async (context) => {
    if (connection === undefined) return context.skip(unavailable);
    const reported: number[] = [];
    const result = await diffKernel(connection.runner, {
      kernel: profile,
      seed: 5,
      runs: 100,
      maxCommands: 20,
      noGuest: guestLeftOut(connection),
      progress: { every: 25, report: (agreeing) => reported.push(agreeing) },
    });
    expect(result.runs).toBe(100);
    expect(reported).toEqual([25, 50, 75, 100]);
    expect(result.found).toBeUndefined();
    // The reach table counts what the agreeing traces ran, from the whole format.
    expect(result.reach.get('KVM_CREATE_VCPU')).toBeGreaterThan(0);
    expect(
      [...result.reach.keys()].some((category) => category.startsWith('KVM_ENABLE_CAP: X2APIC_API')),
    ).toBe(true);
  }, 300_000);

  it('against the wrong profile, shrinks the first disagreement to a short trace that ends in it, the kernel answers as expect', async (context) => {
    if (connection === undefined) return context.skip(unavailable);
    const result = await diffKernel(connection.runner, {
      kernel: 'legacy',
      seed: 6,
      runs: 100,
      maxCommands: 20,
      noGuest: guestLeftOut(connection),
    });
    const commands = result.found?.trace.commands ?? [];
    // Seed 6 finds one of the questions the legacy and patched kernels answer differently, after the setup it
    // needs (ENABLE_CAP(4) after a split irqchip, or CHECK_EXTENSION with ioctls only).
    expect(commands.length).toBeGreaterThan(0);
    expect(commands.length).toBeLessThanOrEqual(5);
    expect(commands.every((c) => c.expect !== undefined)).toBe(true);
    const [disagreement] = result.found?.disagreements ?? [];
    expect(disagreement?.index).toBe(commands.length - 1);
    const last = commands.at(-1);
    if (last?.op.startsWith('KVM_'))
      expect(disagreement?.kernel).toBe(JSON.stringify({ ret: last.expect?.ret }));
    expect(disagreement?.model).not.toBe(disagreement?.kernel);
  }, 300_000);
});
