// Compares the mutant statuses of two Stryker reports (incremental files or JSON reports), matching mutants by file,
// location, mutator and replacement: `node stryker/compare-results.mjs old.json new.json`. Prints how many went
// from each status to each other and every mutant whose status changed (a timeout turned kill and back left out).
import { readFileSync } from 'node:fs';

const [before, after] = process.argv.slice(2).map((file) => JSON.parse(readFileSync(file, 'utf8')));
const where = ({ start, end }) => `${start.line}:${start.column}-${end.line}:${end.column}`;
const byKey = (report) =>
  new Map(
    Object.entries(report.files).flatMap(([file, { mutants }]) =>
      mutants.map((m) => [`${file}|${where(m.location)}|${m.mutatorName}|${m.replacement}`, m]),
    ),
  );
const old = byKey(before);
const now = byKey(after);
const moves = new Map();
const changed = [];
for (const [key, mutant] of now) {
  const was = old.get(key);
  const move = `${was?.status ?? '(new)'} -> ${mutant.status}`;
  moves.set(move, (moves.get(move) ?? 0) + 1);
  if (was !== undefined && was.status !== mutant.status) changed.push(`${move}  ${key}`);
}
console.log(Object.fromEntries(moves), { gone: [...old.keys()].filter((key) => !now.has(key)).length });
for (const line of changed) if (!/^(Timeout -> Killed|Killed -> Timeout) /.test(line)) console.log(line);
