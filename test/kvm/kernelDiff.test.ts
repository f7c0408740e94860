import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Connection, connect, type KernelSource } from '../../src/kvm/connect.js';
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

  it('finds no disagreement between the kernel and the upstream profile over 100 random traces (ioctls, guest, device)', async (context) => {
    if (connection === undefined) return context.skip(unavailable);
    const result = await diffKernel(connection.runner, {
      kernel: profile,
      seed: 5,
      runs: 100,
      maxCommands: 20,
    });
    expect(result.runs).toBe(100);
    expect(result.found).toBeUndefined();
  });

  it('against the wrong profile, shrinks the disagreement to one command with the kernel answer as expect', async (context) => {
    if (connection === undefined) return context.skip(unavailable);
    const result = await diffKernel(connection.runner, {
      kernel: 'legacy',
      seed: 6,
      runs: 100,
      maxCommands: 20,
    });
    expect(result.found?.trace.commands).toHaveLength(1);
    const [command] = result.found?.trace.commands ?? [];
    expect(command).toMatchObject({ op: 'KVM_ENABLE_CAP', cap: 'KVM_CAP_X2APIC_API', args: [8] });
    expect(command?.expect).toEqual({ ret: 0 });
    expect(result.found?.disagreements).toEqual([
      expect.objectContaining({ index: 0, model: '{"ret":-22}', kernel: '{"ret":0}' }),
    ]);
  });
});
