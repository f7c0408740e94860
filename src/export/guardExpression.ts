/** A transition guard as data: named guards combined with XState's `and`, `or`, `not` and `stateIn`. */
export type GuardExpression =
  | { kind: 'named' /** The guard's name in `setup({ guards })`. */; name: string }
  | { kind: 'in' /** Id of the state node that must be active. */; stateId: string }
  | { kind: 'not' /** The negated guard. */; operand: GuardExpression }
  | { kind: 'and' | 'or' /** The combined guards, in order. */; operands: GuardExpression[] };

type XstateGuard = string | { type: string } | ((...args: never[]) => unknown);

function stateValuePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0] ?? ['', ''];
  return `${key}.${stateValuePath(child)}`;
}

/** Reads an XState v5 guard; `machineId` resolves `stateIn` values, which are relative to the machine root. */
export function guardExpression(guard: XstateGuard, machineId: string): GuardExpression {
  if (typeof guard === 'string') return { kind: 'named', name: guard };
  if (typeof guard !== 'function') return { kind: 'named', name: guard.type };
  // XState's combinators are functions named after themselves that carry their operands.
  const combinator = guard as unknown as { name: string; guards?: XstateGuard[]; stateValue?: unknown };
  const operands = (combinator.guards ?? []).map((operand) => guardExpression(operand, machineId));
  switch (combinator.name) {
    case 'stateIn':
      return { kind: 'in', stateId: `${machineId}.${stateValuePath(combinator.stateValue)}` };
    case 'not':
      return { kind: 'not', operand: operands[0] ?? { kind: 'named', name: '?' } };
    case 'and':
    case 'or':
      return { kind: combinator.name, operands };
    default:
      return { kind: 'named', name: combinator.name || 'inline' };
  }
}

const MATH = { and: ' ∧ ', or: ' ∨ ', not: '¬', in: (id: string) => `in(${id})` };
const ECMASCRIPT = { and: ' && ', or: ' || ', not: '!', in: (id: string) => `In('${id}')` };

/** The guard as text: `math` for diagrams, `ecmascript` for SCXML `cond` attributes (with SCXML's In()). */
export function guardText(
  expression: GuardExpression,
  notation: 'math' | 'ecmascript',
  nested = false,
): string {
  const symbols = notation === 'math' ? MATH : ECMASCRIPT;
  switch (expression.kind) {
    case 'named':
      return expression.name;
    case 'in':
      return symbols.in(expression.stateId);
    case 'not':
      return `${symbols.not}${guardText(expression.operand, notation, true)}`;
    default: {
      const joined = expression.operands
        .map((operand) => guardText(operand, notation, true))
        .join(expression.kind === 'and' ? symbols.and : symbols.or);
      return nested ? `(${joined})` : joined;
    }
  }
}
