import { type AnyStateMachine, initialTransition, transition } from 'xstate';

/** A machine snapshot reduced to what determines its future: state value and context. */
export interface Persisted<TValue, TContext> {
  /** XState state value. */
  value: TValue;
  /** XState context. */
  context: TContext;
}

/** The snapshot after an event and the events the machine emitted on the way. */
export interface Advanced<TValue, TContext, TEmitted> {
  /** The machine's next persisted snapshot. */
  next: Persisted<TValue, TContext>;
  /** Events emitted by `emit()` actions, in order. */
  emitted: readonly TEmitted[];
}

const MEMO_LIMIT = 500_000;
const memo = new Map<string, Advanced<unknown, unknown, unknown>>();

/** The machine's initial snapshot for `input`, through XState's pure initialTransition. */
export function start<TValue, TContext>(
  machine: AnyStateMachine,
  input: unknown,
): Persisted<TValue, TContext> {
  const [snapshot] = initialTransition(machine, input);
  return { value: snapshot.value as TValue, context: snapshot.context as TContext };
}

/**
 * Sends `event` to the machine at `state` through XState's pure transition(). The machines are the
 * semantics; answers are memoised per (machine, state, event) because the reachable state space is small
 * and every answer is immutable.
 */
export function advance<TValue, TContext, TEvent extends { type: string }, TEmitted>(
  machine: AnyStateMachine,
  state: Persisted<TValue, TContext>,
  event: TEvent,
): Advanced<TValue, TContext, TEmitted> {
  const key = `${machine.id}\u0000${JSON.stringify(state)}\u0000${JSON.stringify(event)}`;
  const known = memo.get(key);
  if (known !== undefined) return known as Advanced<TValue, TContext, TEmitted>;
  const snapshot = machine.resolveState(state as { value: never; context: never });
  const [next, actions] = transition(machine, snapshot, event);
  const emitted = (actions as readonly { type: string; params?: unknown }[])
    .filter((action) => action.type === 'xstate.emit')
    .map((action) => (action.params as { event: TEmitted }).event);
  const result: Advanced<TValue, TContext, TEmitted> = {
    next: { value: next.value as TValue, context: next.context as TContext },
    emitted,
  };
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, result);
  return result;
}
