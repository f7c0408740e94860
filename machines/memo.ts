/**
 * The model's memos (transition answers, frozen events, actor scopes), each made by memo() so that forgetMemos()
 * drops them all. A memo only saves work, so forgetting changes no answer. The mutation suite forgets before every
 * test: each test then runs the code its answers come from, and Stryker's per-test coverage credits it with that code
 * (otherwise only the first test to ask a question covers the code that answers it).
 */

let generation = 0;

/** Drops every memo the model keeps: each is made afresh when next used. */
export function forgetMemos(): void {
  // Stryker disable next-line UpdateOperator: any other generation makes every memo stale just the same.
  generation++;
}

/** A memo `make()` builds, built afresh on first use after forgetMemos(). */
export function memo<T>(make: () => T): () => T {
  let value = make();
  let made = generation;
  return () => {
    if (made !== generation) {
      value = make();
      made = generation;
    }
    return value;
  };
}
