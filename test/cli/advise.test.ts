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
    expect(out.trimEnd().split('\n').at(-1)).toBe(
      'verdict: PASS (--fail-on any): every VMM has a flag that is safe for every guest',
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

  it('exits 1 when no flag is safe (the legacy kernel refuses both), 0 with --fail-on unexpected', async () => {
    const args = ['advise', '--vmm', 'ioapic-0x20', '--kernel', 'legacy', '--seed', '7', '--runs', '20'];
    const any = await cli(...args, '--depth', '8');
    expect(any.code).toBe(1);
    expect(any.out.trimEnd().split('\n').at(-1)).toBe(
      'verdict: FAIL (--fail-on any): no flag is safe for every guest on ioapic-0x20',
    );
    const unexpected = await cli(...args, '--depth', '8', '--fail-on', 'unexpected', '--json');
    expect(unexpected.code).toBe(0);
    const json = JSON.parse(unexpected.out);
    expect(json.verdict).toEqual({ failOn: 'unexpected', passed: true });
    expect(json.replay).toMatch(/ --fail-on unexpected$/);
    const none = json.advice[0].policies.find((p: { policy: string }) => p.policy === 'none');
    const guest = none.guests.find((g: { guest: string }) => g.guest === 'credential-guard');
    expect(guest.violated).toContain('no-storm');
    expect(guest.unexpected).toEqual([]);
  });

  it('refuses a missing or unknown --vmm with one line and exit 2', async () => {
    expect(await cli('advise')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^seoib: advise: --vmm/),
    });
    const unknown = await cli('advise', '--vmm', 'bochs');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^seoib: --vmm: unknown vmm "bochs" \(known: .*\)\n$/);
    const kernels = await cli('advise', '--vmm', 'qemu', '--kernel', 'legacy,upstream');
    expect(kernels).toMatchObject({
      code: 2,
      err: 'seoib: --kernel: advice holds for one kernel profile; got 2 (legacy,upstream)\n',
    });
  });
});
