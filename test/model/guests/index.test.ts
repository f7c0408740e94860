import { describe, expect, it } from 'vitest';
import { GUESTS } from '../../../src/model/guests/index.js';

describe('guest profiles', () => {
  it('are the guests of DESIGN §1 and the adversary, each described apart', () => {
    expect([...GUESTS.keys()]).toEqual([
      'linux',
      'linux-ir',
      'windows-hyperv',
      'credential-guard',
      'xen-l1',
      'adversarial',
    ]);
    const descriptions = [...GUESTS.values()].map((g) => g.description);
    expect(new Set(descriptions).size).toBe(GUESTS.size);
    for (const description of descriptions) expect(description.length).toBeGreaterThan(30);
  });
});
