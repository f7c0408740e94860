import type { Command } from './command.js';
import type { Observation } from './observation.js';
import type { Trace } from './trace.js';

/** Fields written as "0x…" strings: register numbers and register values. */
const HEX_FIELDS = new Set(['msr', 'reg', 'spiv', 'value', 'mask']);

const COMMAND_FIELDS = [
  'op',
  'fd',
  'cap',
  'args',
  'id',
  'vcpu',
  'x2apic',
  'pin',
  'msr',
  'reg',
  'value',
  'spiv',
  'irr',
  'isr',
  'tmr',
  'vector',
  'trigger',
  'masked',
  'dest',
  'level',
  'ns',
] as const;

const OBSERVATION_FIELDS = ['ret', 'value', 'mask', 'vector', 'exits', 'deliveries', 'fault'] as const;

function formatField(field: string, value: unknown): unknown {
  if (HEX_FIELDS.has(field) && (typeof value === 'number' || typeof value === 'bigint'))
    return `0x${value.toString(16)}`;
  return value;
}

function pick(source: object, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const value = (source as Record<string, unknown>)[field];
    if (value !== undefined) out[field] = formatField(field, value);
  }
  return out;
}

/** A command as JSON in canonical field order, without `expect`. */
export function commandJson(command: Command): Record<string, unknown> {
  return pick(command, COMMAND_FIELDS);
}

/** An observation as JSON in the `expect` shape (reactions as commands carrying `observed`). */
export function observationJson(observation: Observation): Record<string, unknown> {
  const out = pick(observation, OBSERVATION_FIELDS);
  if (observation.reactions !== undefined) {
    out.reactions = observation.reactions.map((r) => ({
      ...commandJson(r.command),
      observed: observationJson(r.observed),
    }));
  }
  return out;
}

function expectJson(command: Command): Record<string, unknown> | undefined {
  if (command.expect === undefined) return undefined;
  const out = pick(command.expect, OBSERVATION_FIELDS);
  // Stryker disable next-line ConditionalExpression: serializeTrace's JSON.stringify leaves an undefined field out.
  if (command.expect.reactions !== undefined) out.reactions = command.expect.reactions;
  return out;
}

/** Canonical text of a trace: fixed key order, hex register fields, one command per line. */
export function serializeTrace(trace: Trace): string {
  const lines = trace.commands.map((command) => {
    const expect = expectJson(command);
    // Stryker disable next-line ConditionalExpression: JSON.stringify leaves an undefined expect out.
    return `    ${JSON.stringify(expect === undefined ? commandJson(command) : { ...commandJson(command), expect })}`;
  });
  return [
    '{',
    `  "format": ${JSON.stringify(trace.format)},`,
    `  "profile": ${JSON.stringify({ kernel: trace.profile.kernel, vmm: trace.profile.vmm, guest: trace.profile.guest })},`,
    `  "config": ${JSON.stringify({ vcpus: trace.config.vcpus, pins: trace.config.pins })},`,
    `  "commands": [${lines.length === 0 ? ']' : `\n${lines.join(',\n')}\n  ]`}`,
    '}',
    '',
  ].join('\n');
}
