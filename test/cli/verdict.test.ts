import { describe, expect, it } from 'vitest';
import { verdict } from '../../src/cli/verdict.js';

const storm = { invariant: 'no-storm', expected: 'legacy quirk' };
const regression = { invariant: 'lvr-advertise', expected: null };

describe('verdict', () => {
  it('passes a run that found nothing, in either mode', () => {
    for (const mode of ['any', 'unexpected'] as const) {
      expect(verdict({ violations: [] }, mode)).toEqual({
        code: 0,
        line: `verdict: PASS (--fail-on ${mode}): no violation, no deadlock`,
        json: { failOn: mode, passed: true, violations: 0, documented: 0, deadlocks: 0 },
      });
    }
  });

  it('any: documented behaviour and deadlocks fail, and the line says how to ask for less', () => {
    expect(verdict({ violations: [storm] }, 'any').line).toBe(
      'verdict: FAIL (--fail-on any): 1 violation (no-storm), 1 documented (documented behaviour fails too; --fail-on unexpected fails only on undocumented violations)',
    );
    const deadlock = verdict({ violations: [], deadlocks: 2 }, 'any');
    expect(deadlock.code).toBe(1);
    expect(deadlock.line).toBe(
      'verdict: FAIL (--fail-on any): 2 deadlocks (documented behaviour fails too; --fail-on unexpected fails only on undocumented violations)',
    );
    expect(verdict({ violations: [regression] }, 'any').line).toBe(
      'verdict: FAIL (--fail-on any): 1 violation (lvr-advertise), 0 documented',
    );
  });

  it('unexpected: passes documented behaviour and deadlocks, fails an undocumented violation', () => {
    const documented = verdict({ violations: [storm, storm], deadlocks: 1 }, 'unexpected');
    expect(documented).toEqual({
      code: 0,
      line: 'verdict: PASS (--fail-on unexpected): 2 violations (no-storm), 2 documented; 1 deadlock (each violation is documented behaviour) (deadlocks fail only under --fail-on any)',
      json: { failOn: 'unexpected', passed: true, violations: 2, documented: 2, deadlocks: 1 },
    });
    const failed = verdict({ violations: [storm, regression] }, 'unexpected');
    expect(failed.code).toBe(1);
    expect(failed.line).toBe(
      'verdict: FAIL (--fail-on unexpected): 2 violations (no-storm, lvr-advertise), 1 documented',
    );
  });
});
