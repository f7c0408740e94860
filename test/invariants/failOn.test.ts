import { describe, expect, it } from 'vitest';
import { FAIL_ON_MODES, fails } from '../../src/invariants/failOn.js';

describe('fails', () => {
  const documented = { expected: 'legacy quirk' };
  const undocumented = { expected: null };

  it('any: a documented violation fails as an undocumented one does', () => {
    expect(fails(documented, 'any')).toBe(true);
    expect(fails(undocumented, 'any')).toBe(true);
  });

  it('unexpected: only a violation no documented behaviour explains fails', () => {
    expect(fails(documented, 'unexpected')).toBe(false);
    expect(fails(undocumented, 'unexpected')).toBe(true);
  });

  it('lists the modes, the default first', () => {
    expect(FAIL_ON_MODES).toEqual(['any', 'unexpected']);
  });
});
