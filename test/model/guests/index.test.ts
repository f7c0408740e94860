import { describe, expect, it } from 'vitest';
import { GUESTS } from '../../../src/model/guests/index.js';
import { PROFILE_NAMES } from '../../helpers.js';

describe('guest profiles', () => {
  it('are the guests of DESIGN §1 and the adversary, each described apart', () => {
    expect([...GUESTS.keys()]).toEqual(PROFILE_NAMES.guest);
    const descriptions = [...GUESTS.values()].map((g) => g.description);
    expect(new Set(descriptions).size).toBe(GUESTS.size);
    for (const description of descriptions) expect(description.length).toBeGreaterThan(30);
  });
});
