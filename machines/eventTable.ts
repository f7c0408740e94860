import { memo } from './memo.js';

/**
 * One frozen event per key, for events built afresh on every step (a scan's vector lists, an entry write):
 * src/model/drive.ts answers a frozen event by identity, so an event from a table costs one Map lookup instead of
 * a walk of its fields. `keyOf` must tell apart any two events `make` tells apart.
 */
export function eventTable<A extends readonly unknown[], E extends object>(
  keyOf: (...args: A) => string | number,
  make: (...args: A) => E,
): (...args: A) => E {
  const eventsNow = memo(() => new Map<string | number, E>());
  return (...args) => {
    const events = eventsNow();
    const key = keyOf(...args);
    let event = events.get(key);
    if (event === undefined) {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: when the table is emptied changes no answer.
      if (events.size >= EVENT_TABLE_LIMIT) events.clear();
      event = Object.freeze(make(...args));
      events.set(key, event);
    }
    return event;
  };
}

/** Events a table keeps at most: a long fuzz campaign's memory stays flat. */
const EVENT_TABLE_LIMIT = 10_000;
