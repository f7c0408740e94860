import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './run.js';

const corpus = join(import.meta.dirname, '..', 'corpus');
const hasKvm = existsSync('/dev/kvm');

describe('seoib kvm on this machine', () => {
  it.skipIf(hasKvm)('without /dev/kvm, exits 3 saying so and how to boot a kernel instead', async () => {
    const { code, out, err } = await cli('kvm', 'info');
    expect(code).toBe(3);
    expect(out).toBe('');
    expect(err).toBe(
      'seoib kvm: /dev/kvm is absent on this machine; use --qemu <suite> (e.g. sid) to boot a Debian kernel\n',
    );
  });

  it.skipIf(!hasKvm)(
    'info names the backend and says whether guest commands compare, as measured',
    async () => {
      const { code, out } = await cli('kvm', 'info', '--json');
      expect(code).toBe(0);
      const info = JSON.parse(out) as { backend: string; guest: { architectural: boolean; detail: string } };
      expect(['kvm_intel', 'kvm_amd', 'kvm_pvm', 'unknown']).toContain(info.backend);
      expect(info.guest.detail).toMatch(info.guest.architectural ? /stays in service/ : /^the /);
      const text = await cli('kvm', 'info');
      expect(text.out).toContain(
        `guest: ${info.guest.architectural ? 'architectural' : 'NOT architectural'}: ${info.guest.detail}\n`,
      );
    },
  );

  it.skipIf(!hasKvm)(
    'run agrees on an ioctl-only trace, or stops where guest commands do not compare',
    async () => {
      const json = await cli('kvm', 'run', '--json', join(corpus, 'upstream', 'design-example.json'));
      expect(json.code).toBe(0);
      const [trace] = (
        JSON.parse(json.out) as {
          traces: {
            ran: number;
            unsupported: { op: string; why: string } | null;
            disagreements: unknown[];
          }[];
        }
      ).traces;
      expect(trace?.disagreements).toEqual([]);
      const guest = JSON.parse((await cli('kvm', 'info', '--json')).out) as {
        guest: { architectural: boolean };
      };
      if (guest.guest.architectural) {
        expect(trace).toMatchObject({ ran: 13, unsupported: null });
      } else {
        // The design example's first guest command is its sixth, the RTE write.
        expect(trace).toMatchObject({ ran: 5, unsupported: { op: 'guest.ioapicWriteRte' } });
        expect(trace?.unsupported?.why).toMatch(/^guest commands left out on this kernel \(kvm_\w+\): /);
      }
    },
  );
});
