import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { ioapicPinMachine } from '../../machines/ioapicPin.js';
import { lapicMachine } from '../../machines/lapic.js';
import { vmMachine } from '../../machines/vm.js';
import { type GuardExpression, guardExpression } from './guardExpression.js';

/** A transition as the diagrams show it. */
export interface OutlineTransition {
  /** The event type, or `always` for an eventless transition. */
  event: string;
  /** The guard, absent when unguarded. */
  guard?: GuardExpression;
  /** Ids of the target state nodes; empty when the transition only updates context or emits. */
  targets: string[];
}

/** One state node of a machine, with its children and outgoing transitions in document order. */
export interface OutlineNode {
  /** The state node id (`lapic.apic.present.spiv`). */
  id: string;
  /** The key under its parent (`spiv`). */
  key: string;
  /** XState's node type. */
  kind: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Id of the initial child of a compound node. */
  initial?: string;
  /** Child state nodes. */
  children: OutlineNode[];
  /** Transitions whose source is this node, in the order XState tries them. */
  transitions: OutlineTransition[];
}

/** The machines in machines/, by file name. */
export const MACHINES: Readonly<Record<string, AnyStateMachine>> = {
  vm: vmMachine,
  lapic: lapicMachine,
  ioapicPin: ioapicPinMachine,
};

function outlineTransition(transition: AnyTransitionDefinition, machineId: string): OutlineTransition {
  const event = transition.eventType === '' ? 'always' : transition.eventType;
  const targets = (transition.target ?? []).map((node) => node.id);
  return transition.guard === undefined
    ? { event, targets }
    : {
        event,
        guard: guardExpression(transition.guard as Parameters<typeof guardExpression>[0], machineId),
        targets,
      };
}

function outlineNode(node: AnyStateNode): OutlineNode {
  const handlers = [...node.transitions.values()].flat();
  const initial = node.type === 'compound' ? node.initial.target[0]?.id : undefined;
  return {
    id: node.id,
    key: node.key,
    kind: node.type,
    ...(initial === undefined ? {} : { initial }),
    children: Object.values(node.states).map((child) => outlineNode(child as AnyStateNode)),
    transitions: [...handlers, ...(node.always ?? [])].map((transition) =>
      outlineTransition(transition, node.machine.id),
    ),
  };
}

/** The state tree and transitions of a machine, read from the machine object itself. */
export function outlineOf(machine: AnyStateMachine): OutlineNode {
  return outlineNode(machine.root);
}

/** Every node of the tree, parents before children. */
export function nodesOf(root: OutlineNode): OutlineNode[] {
  return [root, ...root.children.flatMap(nodesOf)];
}
