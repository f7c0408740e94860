/**
 * One macrostep of a machine, microstep by microstep, as XState's pure getMicrosteps() gives it, but through one
 * inert actor scope per machine: getMicrosteps() and transition() build and initialise a throwaway actor on every
 * call, which cost a memo miss more than the macrostep itself.
 */
import { type AnyActorScope, type AnyStateMachine, createActor } from 'xstate';
import { memo } from '../../machines/memo.js';

type Snapshot = ReturnType<AnyStateMachine['resolveState']>;

/** An action the microstep resolved and would execute (an emit, a raise, ...). */
export interface ResolvedAction {
  /** Action type, e.g. `xstate.emit`. */
  type: string;
  /** Its resolved parameters (an emit's or raise's `event`). */
  params?: unknown;
}

/** One microstep: the snapshot it reached and the actions it resolved, in order. */
export type Microstep = readonly [Snapshot, readonly ResolvedAction[]];

/** A machine's inert scope and what its current macrostep recorded so far. */
interface Recorder {
  scope: AnyActorScope;
  steps: Microstep[];
  actions: ResolvedAction[];
}

const recordersNow = memo(() => new WeakMap<AnyStateMachine, Recorder>());

function recorderOf(machine: AnyStateMachine): Recorder {
  const recorders = recordersNow();
  const known = recorders.get(machine);
  if (known !== undefined) return known;
  const recorder = { steps: [], actions: [] } as unknown as Recorder;
  // Never started: its system only relays XState's per-microstep inspection event, which closes a microstep.
  const self = createActor(machine, {
    inspect: (event) => {
      // Stryker disable next-line ConditionalExpression: a macrostep sends no other inspection event to this system.
      if (event.type !== '@xstate.microstep') return;
      recorder.steps.push([(event as unknown as { snapshot: Snapshot }).snapshot, recorder.actions]);
      recorder.actions = [];
    },
  });
  recorder.scope = {
    self,
    // Stryker disable StringLiteral: the ids of an actor nothing addresses.
    id: '',
    sessionId: '',
    // Stryker restore StringLiteral
    system: self.system,
    logger: () => {},
    defer: () => {},
    emit: () => {},
    stopChild: () => {},
    actionExecutor: (action) => {
      recorder.actions.push(action);
    },
  };
  recorders.set(machine, recorder);
  return recorder;
}

/** The microsteps `event` takes the machine through from `snapshot` (XState's getMicrosteps()). */
export function microsteps(
  machine: AnyStateMachine,
  snapshot: Snapshot,
  event: { type: string },
): Microstep[] {
  const recorder = recorderOf(machine);
  recorder.steps = [];
  recorder.actions = [];
  machine.transition(snapshot, event, recorder.scope);
  return recorder.steps;
}
