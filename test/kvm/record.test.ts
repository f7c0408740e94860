import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../cli/run.js';

const corpus = join(import.meta.dirname, '..', 'corpus');

/** The trace with every `expect` removed: what a user writes before asking the kernel. */
function bare(name: string): string {
  const trace = JSON.parse(readFileSync(join(corpus, name), 'utf8'));
  for (const command of trace.commands) delete command.expect;
  const file = join(mkdtempSync(join(tmpdir(), 'seoib-record-')), 'trace.json');
  writeFileSync(file, JSON.stringify(trace));
  return file;
}

describe('seoib kvm record and kvm run --json on Debian sid', () => {
  it("writes the kernel's answers back as expect, reactions included, and shows them beside the model's", async (context) => {
    const file = bare('upstream/design-example.json');
    const stuck = bare('found/no-stuck-pin--upstream--ioapic-0x11--enable--windows-hyperv.json');
    const recorded = await cli('kvm', 'record', file, stuck, '--qemu', 'sid');
    if (recorded.code === 3) return context.skip(recorded.err.trim());
    expect(recorded.code).toBe(0);
    expect(recorded.out).toContain(`${file}: recorded 13 commands; 0 disagreement(s) with the model`);
    const trace = JSON.parse(readFileSync(file, 'utf8'));
    expect(trace.commands.every((c: { expect?: unknown }) => c.expect !== undefined)).toBe(true);
    expect(trace.commands[7].expect).toEqual({ value: '0x1050014', exits: [], deliveries: [] });
    expect((await cli('replay', file)).code).toBe(0);
    // The guest program's reactions, each with the kernel's answer.
    const reactions = JSON.parse(readFileSync(stuck, 'utf8')).commands[5].expect.reactions;
    expect(reactions.map((r: { op: string }) => r.op)).toEqual([
      'guest.acceptInterrupt',
      'device.setLine',
      'guest.eoi',
      'guest.ioapicEoi',
    ]);
    expect(reactions[0].observed).toEqual({ vector: 64, exits: [], deliveries: [] });

    const ran = await cli('kvm', 'run', file, stuck, '--qemu', 'sid', '--json');
    const [report, stranded] = JSON.parse(ran.out).traces;
    // The invariants the model checks ride along: the kernel agreed on the stranded pin's every command.
    expect(report.violations).toEqual([]);
    expect(stranded.disagreements).toEqual([]);
    expect(stranded.violations.map((v: { invariant: string }) => v.invariant)).toContain('no-stuck-pin');
    expect(report.commands).toHaveLength(13);
    expect(report.commands[9]).toEqual({
      command: { op: 'guest.acceptInterrupt', vcpu: 0 },
      model: { vector: 64, exits: [], deliveries: [] },
      kernel: { vector: 64, exits: [], deliveries: [] },
    });
  }, 600_000);
});
