/**
 * Hash-consing for the model's hot path: equal machine snapshots and equal events become one object each, so that
 * advance() finds a memoised answer by identity, with no serialisation per step. Both tables are bounded: a full
 * table is dropped, which costs sharing, never an answer.
 */

// Snapshots kept at most; a long campaign's memory stays flat.
const SNAPSHOT_LIMIT = 20_000;
// Distinct events kept at most (a trie node per field value).
const EVENT_LIMIT = 100_000;

const snapshots = new Map<string, object>();

/**
 * The one object equal to `snapshot` among those interned for this machine (`snapshot` itself if it is the first).
 * Serialises the snapshot once per call: call it for a new answer, not for every step.
 */
export function internSnapshot<T extends object>(machineId: string, snapshot: T): T {
  const key = `${machineId}\u0000${JSON.stringify(snapshot)}`;
  const known = snapshots.get(key);
  if (known !== undefined) return known as T;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: when the table is emptied changes no answer.
  if (snapshots.size >= SNAPSHOT_LIMIT) snapshots.clear();
  snapshots.set(key, snapshot);
  return snapshot;
}

/**
 * A trie over an event's contents: field name, then value, in order; arrays and objects open and close. A nested
 * array or object stands as one key, the trie node its own contents lead to from the root; an object's (such as a
 * VM state value, shared by every event that carries it) is found once per object, as events are immutable.
 */
type Trie = Map<unknown, Trie | object>;
const LEAF = Symbol('event');
const ARRAY = Symbol('[');
const OBJECT = Symbol('{');
const END = Symbol('end');
let events: Trie = new Map();
let nodes = new WeakMap<object, Trie>();
let eventCount = 0;

function child(level: Trie, key: unknown): Trie {
  let next = level.get(key) as Trie | undefined;
  if (next === undefined) {
    next = new Map();
    level.set(key, next);
  }
  return next;
}

function keyOf(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Arrays are mostly built afresh (a scan's vector lists): walked, not remembered.
  // Stryker disable next-line ConditionalExpression: remembering an array too leads to the same node.
  if (Array.isArray(value)) return contents(value);
  let node = nodes.get(value);
  if (node === undefined) {
    node = contents(value);
    nodes.set(value, node);
  }
  return node;
}

function contents(value: object): Trie {
  let at = child(events, Array.isArray(value) ? ARRAY : OBJECT);
  if (Array.isArray(value)) for (const item of value) at = child(at, keyOf(item));
  else for (const [field, item] of Object.entries(value)) at = child(child(at, field), keyOf(item));
  return child(at, END);
}

/**
 * The one frozen event equal to `event` (same fields in the same order, same values): found by walking its contents
 * in a trie of Maps, with no serialisation. A frozen event is taken as already canonical.
 */
export function internEvent<E extends object>(event: E): E {
  if (Object.isFrozen(event)) return event;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: when the trie is emptied changes no answer.
  if (eventCount >= EVENT_LIMIT) {
    events = new Map();
    nodes = new WeakMap();
    eventCount = 0;
  }
  const leaf = contents(event);
  const known = leaf.get(LEAF);
  if (known !== undefined) return known as E;
  const frozen = Object.freeze({ ...event });
  leaf.set(LEAF, frozen);
  // Stryker disable next-line UpdateOperator: the count only bounds the trie; when it is emptied changes no answer.
  eventCount++;
  return frozen;
}
