import { describe, expect, it } from 'vitest';
import { and, not, or, stateIn } from 'xstate';
import { guardExpression, guardText } from '../../src/export/guardExpression.js';

describe('guardExpression', () => {
  it('reads named, object, and, or, not and stateIn guards as XState builds them', () => {
    const guard = and([
      'split',
      not('levelTriggered'),
      or([{ type: 'a' }, stateIn({ apic: { present: 'on' } })]),
    ]);
    expect(guardExpression(guard as never, 'lapic')).toEqual({
      kind: 'and',
      operands: [
        { kind: 'named', name: 'split' },
        { kind: 'not', operand: { kind: 'named', name: 'levelTriggered' } },
        {
          kind: 'or',
          operands: [
            { kind: 'named', name: 'a' },
            { kind: 'in', stateId: 'lapic.apic.present.on' },
          ],
        },
      ],
    });
  });

  it('writes math for diagrams and ECMAScript with In() for SCXML, parenthesising nested combinations', () => {
    const guard = guardExpression(and(['x', not(or(['y', stateIn('on')]))]) as never, 'pin');
    expect(guardText(guard, 'math')).toBe('x ∧ ¬(y ∨ in(pin.on))');
    expect(guardText(guard, 'ecmascript')).toBe("x && !(y || In('pin.on'))");
  });
});
