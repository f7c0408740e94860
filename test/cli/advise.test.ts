import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

// Exhaustive search to the fixpoint per flag and guest: minutes on a loaded 2-core CI machine.
describe('seoib advise (seed 7)', { timeout: 180_000 }, () => {
  it('prints the seed, the replay command and the flag for each VMM; --json holds the verdicts', async () => {
    const args = ['advise', '--vmm', 'qemu-0x11', '--seed', '7', '--runs', '20'];
    const { code, out } = await cli(...args);
    expect(code).toBe(0);
    expect(out).toContain('seoib advise: seed 7\n');
    expect(out).toContain('replay: seoib advise --vmm qemu-0x11 --kernel upstream');
    expect(out).toContain(
      'qemu-0x11 (I/O APIC 0x11) on upstream: set KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST',
    );
    const json = JSON.parse((await cli(...args, '--json')).out);
    expect(json.seed).toBe(7);
    const [advice] = json.advice;
    expect(advice).toMatchObject({ vmm: 'qemu-0x11', kernel: 'upstream', recommended: 'disable' });
    expect(advice.policies.map((p: { policy: string }) => p.policy)).toEqual([
      'enable',
      'disable',
      'none',
      'native',
    ]);
  });

  it('refuses a missing or unknown --vmm with one line and exit 2', async () => {
    expect(await cli('advise')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^seoib: advise: --vmm/),
    });
    const unknown = await cli('advise', '--vmm', 'bochs');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^seoib: --vmm: unknown vmm "bochs" \(known: .*\)\n$/);
  });
});
