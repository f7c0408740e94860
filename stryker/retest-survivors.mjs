// Stryker reuses a surviving mutant unless a new test covers it. Stryker gets no coverage from the mutation suite
// (README, "Mutation testing": the vitest runner's setup hook fails under vitest 4.1), so a test added to kill one never
// counts as covering it. This drops the survivors from the incremental file: the next `stryker run` tests them again
// and reuses every kill.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

const file = new URL('./incremental.json', import.meta.url);
const report = JSON.parse(readFileSync(file, 'utf8'));
let dropped = 0;
for (const result of Object.values(report.files)) {
  const kept = result.mutants.filter((m) => m.status !== 'Survived' && m.status !== 'NoCoverage');
  dropped += result.mutants.length - kept.length;
  result.mutants = kept;
}
const partial = new URL(`./incremental.json.${process.pid}.tmp`, import.meta.url);
writeFileSync(partial, `${JSON.stringify(report, null, 2)}\n`);
renameSync(partial, file);
console.log(`stryker/incremental.json: ${dropped} surviving mutants dropped, to be tested again`);
