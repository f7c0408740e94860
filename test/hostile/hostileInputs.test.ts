import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';
import { STORM_ROW_FLAGS } from '../helpers.js';

const corpus = join(import.meta.dirname, '..', 'corpus');
const valid = readFileSync(join(corpus, 'upstream', 'design-example.json'), 'utf8');
const folder = () => mkdtempSync(join(tmpdir(), 'seoib-hostile-'));
const row = STORM_ROW_FLAGS;

/** Ends as a user's error must: exit 2, one line on stderr naming what is wrong, no stack trace. */
function refused(result: { code: number; err: string }, message: RegExp | string): void {
  expect(result.code).toBe(2);
  expect(result.err.endsWith('\n')).toBe(true);
  expect(result.err.trimEnd().split('\n')).toHaveLength(1);
  expect(result.err).not.toMatch(/\n\s+at /);
  if (typeof message === 'string') expect(result.err).toContain(message);
  else expect(result.err).toMatch(message);
}

/** A finished campaign folder holding the storm (seed 13, 30 runs). */
async function campaign(): Promise<string> {
  const out = folder();
  await cli('fuzz', ...row, '--seed', '13', '--runs', '30', '--out', out);
  return out;
}

describe('crashes become refusals', () => {
  it('mutated traces (seed 2026): replay exits 0, 1 or 2, and a refusal is one line naming the file', async () => {
    const dir = folder();
    const mutations = fc.oneof(
      fc.record({ kind: fc.constant('nest' as const), depth: fc.integer({ min: 60, max: 6000 }) }),
      fc.record({ kind: fc.constant('key' as const), key: fc.string({ unit: 'binary', maxLength: 12 }) }),
      fc.record({ kind: fc.constant('value' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    );
    await fc.assert(
      fc.asyncProperty(mutations, fc.nat(), async (mutation, where) => {
        const trace = JSON.parse(valid);
        const command = trace.commands[where % trace.commands.length];
        let text: string;
        if (mutation.kind === 'nest') {
          command.expect = { reactions: [0] };
          text = JSON.stringify(trace).replace(
            '[0]',
            `${'['.repeat(mutation.depth)}${']'.repeat(mutation.depth)}`,
          );
        } else if (mutation.kind === 'key') {
          command[mutation.key] = 1;
          text = JSON.stringify(trace);
        } else if (mutation.kind === 'value') {
          const fields = Object.keys(command);
          command[fields[where % fields.length] as string] = mutation.value;
          text = JSON.stringify(trace);
        } else {
          text = valid.slice(0, mutation.at % valid.length);
        }
        const file = join(dir, 'mutated.json');
        writeFileSync(file, text);
        const result = await cli('replay', file);
        expect([0, 1, 2]).toContain(result.code);
        if (result.code === 2) refused(result, `seoib: ${file}: $`);
      }),
      { seed: 2026, numRuns: 150 },
    );
  });

  it('nesting 5,000 levels inside expect.reactions', async () => {
    const file = join(folder(), 'deep.json');
    const trace = JSON.parse(valid);
    trace.commands[0].expect = { reactions: [0] };
    writeFileSync(file, JSON.stringify(trace).replace('[0]', `${'['.repeat(5000)}${']'.repeat(5000)}`));
    refused(await cli('replay', file), 'nests deeper than 64 levels');
  });

  it('report and merge of a campaign naming a trace that is missing', async () => {
    const out = await campaign();
    const [trace] = readdirSync(out).filter((f) => f.startsWith('no-'));
    writeFileSync(join(out, trace as string), '');
    spawnSync('rm', [join(out, trace as string)]);
    refused(
      await cli('report', join(out, 'results.json'), '--html', join(folder(), 'r.html')),
      'cannot read it (ENOENT)',
    );
    refused(await cli('merge', out, '--out', folder()), 'cannot read it (ENOENT)');
  });

  it('output paths that cannot be written: a folder where the file goes, /sys, /proc', async () => {
    const out = await campaign();
    const dir = folder();
    refused(await cli('report', join(out, 'results.json'), '--html', dir), `${dir}: cannot write it (`);
    refused(
      await cli('export', 'selftest', join(corpus, 'upstream', 'irqchip-eexist.json'), '--out', dir),
      `${dir}: cannot write it (`,
    );
    refused(
      await cli('fuzz', ...row, '--runs', '1', '--out', '/sys/seoib/out'),
      '--out: /sys/seoib/out: cannot write there',
    );
    refused(
      await cli('fuzz', ...row, '--runs', '1', '--out', '/proc/seoib'),
      '--out: /proc/seoib: cannot write there',
    );
  });
});

describe('no hangs: special files are refused before any read', () => {
  it('a FIFO as a trace, as results.json and as a row record; /dev/zero as a trace', async () => {
    const dir = folder();
    spawnSync('mkfifo', [join(dir, 'fifo.json')]);
    refused(await cli('replay', join(dir, 'fifo.json')), 'is a FIFO, not a regular file');
    refused(await cli('replay', '/dev/zero'), '/dev/zero: $: is a device, not a regular file');
    const out = await campaign();
    const results = join(folder(), 'results.json');
    spawnSync('mkfifo', [results]);
    refused(await cli('report', results, '--html', join(folder(), 'r.html')), 'is a FIFO');
    const rows = join(out, 'rows');
    spawnSync('mkfifo', [join(rows, 'zz-fifo.json')]);
    refused(await cli('merge', out, '--out', folder()), 'is a FIFO');
  });
});

describe('campaign files cannot reach outside their folder', () => {
  it('a row record naming ../ESCAPED.json is refused by merge and report, and nothing is written outside', async () => {
    const out = await campaign();
    const rows = join(out, 'rows');
    const [name] = readdirSync(rows);
    const record = JSON.parse(readFileSync(join(rows, name as string), 'utf8'));
    record.found[0].file = '../ESCAPED.json';
    writeFileSync(join(rows, name as string), JSON.stringify(record));
    const merged = folder();
    refused(
      await cli('merge', out, '--out', join(merged, 'm')),
      'must be a *.json file name inside the campaign folder',
    );
    expect(existsSync(join(merged, 'ESCAPED.json'))).toBe(false);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    results.rows[0].found[0].file = '../../../../etc/passwd';
    writeFileSync(join(out, 'results.json'), JSON.stringify(results));
    const reported = await cli('report', join(out, 'results.json'), '--html', join(folder(), 'r.html'));
    refused(reported, 'must be a *.json file name inside the campaign folder');
    expect(reported.err).not.toContain('root:');
  });
});

describe('campaigns cannot mix or forget', () => {
  it('a second writer is refused while the first one lives; a dead owner is taken over', async () => {
    const out = folder();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    mkdirSync(join(out, '.lock'));
    writeFileSync(join(out, '.lock', 'pid'), String(holder.pid));
    refused(
      await cli('fuzz', ...row, '--runs', '1', '--out', out),
      `is in use by seoib process ${holder.pid}`,
    );
    holder.kill();
    await new Promise((resolve) => holder.once('exit', resolve));
    expect((await cli('fuzz', ...row, '--runs', '1', '--out', out, '--fail-on', 'unexpected')).code).toBe(0);
    expect(existsSync(join(out, '.lock'))).toBe(false);
  });

  it('the same command without --seed resumes the folder’s campaign', async () => {
    const out = folder();
    const first = await cli('fuzz', ...row, '--runs', '5', '--out', out);
    const seed = /seed (\d+)/.exec(first.out)?.[1];
    const again = await cli('fuzz', ...row, '--runs', '5', '--out', out);
    expect(again.out).toContain(`seoib fuzz: seed ${seed}\n`);
    expect(again.out).toContain('resuming: 1 of 1 rows already recorded');
    expect(again.out).not.toContain('starting over');
  });

  it('a profile named twice is refused', async () => {
    refused(
      await cli('fuzz', '--kernel', 'upstream,upstream', '--out', folder()),
      '--kernel: kernel "upstream" is named twice',
    );
  });
});

describe('no false passes: doing less than asked is refused', () => {
  it.each([
    [['fuzz', '--vmm', 'ioapic-0x20', '--policy', 'native'], 'the selection has no row'],
    [['explore', '--vmm', 'ioapic-0x20', '--policy', 'native'], 'the selection has no row'],
    [['fuzz', ...row, '--runs', '3', '--time', '2s'], '--runs and --time: give one budget'],
    [
      ['kvm', 'diff', '--kernel-profile', 'legacy,upstream'],
      '--kernel-profile: the model runs one kernel profile',
    ],
  ])('%j', async (argv, message) => {
    refused(await cli(...argv, '--out', folder()), message);
  });

  it('advise for several kernels at once', async () => {
    refused(
      await cli('advise', '--vmm', 'qemu', '--kernel', 'legacy,upstream'),
      '--kernel: advice holds for one kernel profile',
    );
  });

  it('replay of an empty folder, and "expect": []', async () => {
    const empty = folder();
    refused(await cli('replay', empty), `${empty}: holds no *.json trace`);
    const file = join(folder(), 'empty-expect.json');
    const trace = JSON.parse(valid);
    trace.commands[0].expect = [];
    writeFileSync(file, JSON.stringify(trace));
    refused(await cli('replay', file), '$.commands[0].expect: must be an object of expected observations');
  });

  it('JOB_COMPLETION_INDEX without JOB_COMPLETION_COUNT', async () => {
    process.env.JOB_COMPLETION_INDEX = '2';
    try {
      refused(
        await cli('fuzz', ...row, '--out', folder()),
        'JOB_COMPLETION_INDEX/JOB_COMPLETION_COUNT: "3/"',
      );
    } finally {
      delete process.env.JOB_COMPLETION_INDEX;
    }
  });

  it('replay --record through a symbolic link writes the file it names and keeps the link', async () => {
    const dir = folder();
    const target = join(dir, 'trace.json');
    writeFileSync(target, valid);
    symlinkSync(target, join(dir, 'link.json'));
    expect((await cli('replay', '--record', join(dir, 'link.json'))).code).toBe(0);
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).not.toBe(valid);
  });
});

describe('terminal safety', () => {
  it('control characters from a key are escaped, a long input is cut', async () => {
    const dir = folder();
    const trace = JSON.parse(valid);
    trace.commands[0]['x\u001b[31mred\nseoib: forged line'] = 1;
    writeFileSync(join(dir, 'ctl.json'), JSON.stringify(trace));
    const forged = await cli('replay', join(dir, 'ctl.json'));
    refused(forged, 'x\\u001b[31mred\\nseoib: forged line: is not a field here');
    const long = await cli('fuzz', '--kernel', 'k'.repeat(100_000), '--out', dir);
    refused(long, /… \(\d+ more characters\)\n$/);
    expect(long.err.length).toBeLessThan(600);
  });
});
