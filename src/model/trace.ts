import * as v from 'valibot';
import { FIRST_VECTOR, MSR, UNMODELLED_X2APIC_MSRS } from '../../machines/apic.js';
import type { Command } from './command.js';
import type { Config, ProfileNames } from './config.js';
import { GUESTS } from './guests/index.js';
import { KERNELS } from './kernels.js';
import { traceSchema } from './traceSchema.js';
import { VMMS } from './vmms.js';

/** One seoib-trace/1 file: the profiles, the bounded machine and the commands. */
export type Trace = v.InferOutput<typeof traceSchema>;

/** Control characters escaped, so an error stays on one line whatever the input held. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point.
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** A trace file that cannot be run: where (JSON path) and why. */
export class TraceInputError extends Error {
  /** JSON path of the offending value, e.g. `$.commands[3].vector`, on one line (a key's control characters escaped). */
  readonly path: string;
  /** What is wrong, on one line. */
  readonly reason: string;

  constructor(
    /** The file the trace came from. */
    readonly file: string,
    path: string,
    reason: string,
  ) {
    const [where, why] = [oneLine(path), oneLine(reason)];
    super(`${file}: ${where}: ${why}`);
    this.name = 'TraceInputError';
    this.path = where;
    this.reason = why;
  }
}

function jsonPath(issue: v.BaseIssue<unknown>): string {
  let path = '$';
  for (const item of issue.path ?? []) {
    const key = (item as { key: unknown }).key;
    path += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return path;
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
  // Stryker disable next-line ConditionalExpression: only a schema issue expects "never" (a field not allowed).
  if (issue.kind === 'schema' && issue.expected === 'never') return 'is not a field here';
  if (issue.received === 'undefined') return 'is required';
  // Valibot's default messages ("Invalid …: Expected … but received …") say what came; ours are phrased "must …".
  return issue.message.startsWith('Invalid') ? issue.message : `${issue.message} (got ${issue.received})`;
}

function checkProfiles(file: string, profile: ProfileNames): void {
  const registries = { kernel: KERNELS, vmm: VMMS, guest: GUESTS } as const;
  for (const key of ['kernel', 'vmm', 'guest'] as const) {
    if (!registries[key].has(profile[key])) {
      const known = [...registries[key].keys()].join(', ');
      throw new TraceInputError(
        file,
        `$.profile.${key}`,
        `unknown ${key} profile "${profile[key]}" (known: ${known})`,
      );
    }
  }
}

/**
 * The first command the model cannot give a meaning: a pin beyond the config, a vCPU id beyond it, a vCPU command
 * before that vCPU's KVM_CREATE_VCPU (which succeeds exactly for a fresh id below config.vcpus), an access to
 * an x2APIC register KVM implements and the model does not, a TPR write with bits 3:0 (which depend on the
 * backend), or a SELF_IPI of a reserved vector (0-15).
 */
export function findReferenceError(
  commands: readonly Command[],
  config: Config,
): { path: string; reason: string } | undefined {
  const created = new Set<number>();
  for (const [i, command] of commands.entries()) {
    const at = (field: string) => `$.commands[${i}].${field}`;
    if ('pin' in command && command.pin >= config.pins) {
      return { path: at('pin'), reason: `pin ${command.pin} does not exist (config.pins is ${config.pins})` };
    }
    if (command.op === 'KVM_CREATE_VCPU') {
      if (command.id >= config.vcpus)
        return { path: at('id'), reason: `vCPU id ${command.id} is beyond config.vcpus (${config.vcpus})` };
      created.add(command.id);
    }
    if (command.op === 'guest.rdmsr' || command.op === 'guest.wrmsr') {
      const register = UNMODELLED_X2APIC_MSRS.get(command.msr);
      if (register !== undefined && (command.op === 'guest.rdmsr' ? register.read : register.write))
        return {
          path: at('msr'),
          reason: `x2APIC ${register.name} (0x${command.msr.toString(16)}) is not modelled: KVM ${command.op === 'guest.rdmsr' ? 'reads' : 'writes'} it, the model would answer #GP`,
        };
    }
    if (command.op === 'guest.wrmsr' && command.msr === MSR.tpr && (command.value & 0xfn) !== 0n)
      return {
        path: at('value'),
        reason:
          "TPR bits 3:0 are not modelled: VMX keeps them, SVM drops them at the next exit (sync_cr8_to_lapic() keeps CR8's 4 bits)",
      };
    if (command.op === 'guest.wrmsr' && command.msr === MSR.selfIpi && command.value < BigInt(FIRST_VECTOR))
      return {
        path: at('value'),
        reason: `a SELF_IPI of vector ${command.value} (below ${FIRST_VECTOR}) is not modelled`,
      };
    if ('vcpu' in command && !created.has(command.vcpu)) {
      return {
        path: at('vcpu'),
        reason: `vCPU ${command.vcpu} does not exist yet (no KVM_CREATE_VCPU before)`,
      };
    }
  }
  return undefined;
}

/** Nesting no seoib file needs (a trace nests 6 levels): deeper is refused before the schema recurses into it. */
export const MAX_JSON_DEPTH = 64;

/** The JSON path of the first value nested deeper than `limit`, found without recursion; undefined if none. */
function deeperThan(json: unknown, limit: number): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: json, depth: 0, path: '$' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop() as (typeof stack)[number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return path;
    for (const [key, child] of Object.entries(value))
      stack.push({
        value: child,
        depth: depth + 1,
        path: Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`,
      });
  }
  return undefined;
}

/** Parses JSON text and validates it against `schema`. Throws TraceInputError naming file, JSON path and reason. */
export function parseJsonText<T>(text: string, file: string, schema: v.GenericSchema<unknown, T>): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TraceInputError(file, '$', `invalid JSON: ${(error as Error).message}`);
  }
  const deep = deeperThan(json, MAX_JSON_DEPTH);
  if (deep !== undefined) throw new TraceInputError(file, deep, `nests deeper than ${MAX_JSON_DEPTH} levels`);
  const result = v.safeParse(schema, json);
  if (!result.success) {
    const issue = result.issues[0];
    throw new TraceInputError(file, jsonPath(issue), describeIssue(issue));
  }
  return result.output;
}

/** Parses and validates a seoib-trace/1 file's text. Throws TraceInputError naming file, JSON path and reason. */
export function parseTrace(text: string, file: string): Trace {
  const trace = parseJsonText(text, file, traceSchema);
  checkProfiles(file, trace.profile);
  const error = findReferenceError(trace.commands, trace.config);
  if (error !== undefined) throw new TraceInputError(file, error.path, error.reason);
  return trace;
}
