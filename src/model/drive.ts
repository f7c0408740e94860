import {
  type AnyStateMachine,
  type AnyTransitionDefinition,
  type EmittedFrom,
  type EventFromLogic,
  getInitialMicrosteps,
  type InputFrom,
  type SnapshotFrom,
} from 'xstate';
import { memo } from '../../machines/memo.js';
import { internEvent, internSnapshot } from './intern.js';
import { type Microstep, microsteps } from './macrostep.js';

/** A machine snapshot reduced to what determines its future: state value and context. */
export interface Persisted<TValue, TContext> {
  /** XState state value. */
  value: TValue;
  /** XState context. */
  context: TContext;
}

/** A machine's persisted snapshot, typed as XState infers the machine's state value and context. */
export type PersistedOf<M extends AnyStateMachine> = Persisted<
  SnapshotFrom<M>['value'],
  SnapshotFrom<M>['context']
>;

/** The snapshot after an event and the events the machine emitted on the way. */
export interface Advanced<TValue, TContext, TEmitted> {
  /** The machine's next persisted snapshot. */
  next: Persisted<TValue, TContext>;
  /** Events emitted by `emit()` actions, in order. */
  emitted: readonly TEmitted[];
  /** Ids of the transitions taken (see transitionId) and of the state nodes active afterwards. */
  visited: readonly string[];
}

/** Stable id of a transition: source state node, event, and its index among that node's handlers. */
export function transitionId(t: AnyTransitionDefinition): string {
  // Stryker disable next-line ConditionalExpression,StringLiteral: a node has one eventless transition, index 0 either way.
  const handlers = t.eventType === '' ? t.source.always : t.source.transitions.get(t.eventType);
  return `${t.source.id} ${t.eventType === '' ? 'always' : t.eventType} #${handlers?.indexOf(t) ?? 0}`;
}

/** Receives what every advance() visited; installed by coverage measurement, null otherwise. */
let visitor: ((visited: readonly string[]) => void) | null = null;

export function setVisitor(next: ((visited: readonly string[]) => void) | null): void {
  visitor = next;
}

/** Whether coverage is being measured, so callers build ids only then. */
export function visiting(): boolean {
  // Stryker disable next-line ConditionalExpression: a shortcut; visit() without a visitor does nothing.
  return visitor !== null;
}

/** Reports wires taken (machines/wiring.ts) to coverage measurement, like a machine transition's ids. */
export function visit(ids: readonly string[]): void {
  visitor?.(ids);
}

/** Answers per machine, by snapshot and then by event, both interned (intern.ts): lookups are by identity. */
const answersNow = memo(
  () => new WeakMap<AnyStateMachine, WeakMap<object, Map<object, Advanced<unknown, unknown, unknown>>>>(),
);

/** Initial snapshots by machine and input, with what reaching them visited. */
const startedNow = memo(
  () => new Map<string, { snapshot: Persisted<unknown, unknown>; visited: readonly string[] }>(),
);

/**
 * The machine's initial snapshot for `input`, through XState's pure initial macrostep; memoised like advance(),
 * since a VM's 24 pins start alike and starting an actor costs as much as hundreds of memoised steps.
 */
export function start<M extends AnyStateMachine>(machine: M, input: InputFrom<M>): PersistedOf<M> {
  const started = startedNow();
  const key = `${machine.id}\u0000${JSON.stringify(input)}`;
  let entry = started.get(key);
  // Stryker disable next-line ConditionalExpression: a cache; starting afresh gives the same answer.
  if (entry === undefined) {
    // XState's pure initial macrostep, microstep by microstep: the nodes entered first, then the settled snapshot.
    const steps = getInitialMicrosteps(machine as AnyStateMachine, input).map(
      ([snapshot]) => snapshot as Snapshot,
    );
    const [entered] = steps;
    const snapshot = steps[steps.length - 1] as Snapshot;
    // Eventless transitions taken on the way in: from a node entered first and left before the snapshot settled.
    const taken = [...(entered?._nodes ?? [])]
      .flatMap((node) => node.always ?? [])
      .filter((t) => !snapshot._nodes.includes(t.source));
    entry = {
      snapshot: internSnapshot(machine.id, { value: snapshot.value, context: snapshot.context }),
      visited: [...taken.map(transitionId), ...[...snapshot._nodes].map((node) => node.id)],
    };
    started.set(key, entry);
  }
  visitor?.(entry.visited);
  return entry.snapshot as PersistedOf<M>;
}

type Snapshot = ReturnType<AnyStateMachine['resolveState']>;

/** Transitions the macrostep took: the event's, then those of events its actions raised; then the active nodes. */
function visitedBy(
  machine: AnyStateMachine,
  snapshot: Snapshot,
  event: { type: string },
  first: Microstep | undefined,
  next: Snapshot,
): string[] {
  const ids = machine.getTransitionData(snapshot, event).map(transitionId);
  if (first !== undefined) {
    for (const action of first[1]) {
      // Stryker disable next-line ConditionalExpression: other actions raise nothing: no emitted event names a transition.
      if (action.type !== 'xstate.raise') continue;
      const raised = (action.params as { event: { type: string } }).event;
      ids.push(...machine.getTransitionData(first[0], raised).map(transitionId));
    }
  }
  for (const node of next._nodes) ids.push(node.id);
  return ids;
}

/**
 * One macrostep, microstep by microstep (macrostep.ts, as XState's getMicrosteps()): its last microstep is
 * transition()'s next snapshot and its actions are transition()'s, so one macrostep gives the answer and the
 * coverage ids (transition() and getMicrosteps() took two, each building a throwaway actor).
 */
function transitionOnce<TValue, TContext, TEmitted>(
  machine: AnyStateMachine,
  state: Persisted<TValue, TContext>,
  event: { type: string },
): Advanced<TValue, TContext, TEmitted> {
  const snapshot = machine.resolveState(state as { value: never; context: never });
  const steps = microsteps(machine, snapshot, event);
  const next = steps[steps.length - 1]?.[0] ?? snapshot;
  const emitted: TEmitted[] = [];
  for (const [, actions] of steps)
    for (const action of actions)
      if (action.type === 'xstate.emit') emitted.push((action.params as { event: TEmitted }).event);
  return {
    next: { value: next.value as TValue, context: next.context as TContext },
    emitted,
    visited: visitedBy(machine, snapshot, event, steps[0], next),
  };
}

/**
 * Sends `event` to the machine at `state` through XState's pure transition(). The machines are the
 * semantics; answers are memoised per (machine, state, event) because the reachable state space is small
 * and every answer is immutable.
 */
export function advance<M extends AnyStateMachine>(
  machine: M,
  state: PersistedOf<M>,
  event: EventFromLogic<M>,
): Advanced<SnapshotFrom<M>['value'], SnapshotFrom<M>['context'], EmittedFrom<M>> {
  type Answer = Advanced<SnapshotFrom<M>['value'], SnapshotFrom<M>['context'], EmittedFrom<M>>;
  const answersOf = answersNow();
  let byState = answersOf.get(machine);
  if (byState === undefined) {
    byState = new WeakMap();
    answersOf.set(machine, byState);
  }
  let answers = byState.get(state);
  if (answers === undefined) {
    // A snapshot advance() and start() did not make (a test's, a decoded one): its interned twin's answers serve it.
    const twin = internSnapshot(machine.id, state);
    answers = byState.get(twin) ?? new Map();
    byState.set(twin, answers);
    byState.set(state, answers);
  }
  const canonical = internEvent(event);
  let result = answers.get(canonical) as Answer | undefined;
  if (result === undefined) {
    const answer = transitionOnce(machine, state, canonical) as Answer;
    result = { ...answer, next: internSnapshot(machine.id, answer.next) };
    answers.set(canonical, result);
  }
  visitor?.(result.visited);
  return result;
}
