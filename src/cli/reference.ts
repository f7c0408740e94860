import type { Command } from 'commander';
import { processIo } from './io.js';
import { buildProgram } from './program.js';

const MARK_START = '<!-- cli-reference:start (generated from src/cli/program.ts: npm run readme) -->';
const MARK_END = '<!-- cli-reference:end -->';

const cell = (text: string) => text.replaceAll('|', '\\|');

function usage(command: Command, path: string): string {
  const args = command.registeredArguments.map((a) => {
    const name = `${a.name()}${a.variadic ? '...' : ''}`;
    return a.required ? `<${name}>` : `[${name}]`;
  });
  return [path, ...args].join(' ');
}

function section(command: Command, path: string): string[] {
  if (command.commands.length > 0) {
    return command.commands.flatMap((sub) => section(sub, `${path} ${sub.name()}`));
  }
  const lines = [`### \`${usage(command, path)}\``, '', command.description(), ''];
  const options = command.options.filter((option) => !option.hidden);
  if (options.length > 0) {
    lines.push('| option | meaning | default |', '|---|---|---|');
    for (const option of options) {
      const fallback =
        option.defaultValue === undefined || option.defaultValue === false || option.negate
          ? ''
          : `\`${String(option.defaultValue)}\``;
      const required = option.mandatory ? ' (required)' : '';
      lines.push(`| \`${cell(option.flags)}\` | ${cell(option.description)}${required} | ${fallback} |`);
    }
    lines.push('');
  }
  return lines;
}

/** Markdown for every `seoib` command and option, read from the commander definition. */
export function cliReference(): string {
  const program = buildProgram(processIo, () => undefined);
  return program.commands.flatMap((command) => section(command, `seoib ${command.name()}`)).join('\n');
}

/** `readme` with the text between the CLI reference markers replaced by the current reference. */
export function withCliReference(readme: string): string {
  const start = readme.indexOf(MARK_START);
  const end = readme.indexOf(MARK_END);
  if (start < 0 || end < start)
    throw new Error(`README.md: the markers ${MARK_START} … ${MARK_END} are missing`);
  return `${readme.slice(0, start + MARK_START.length)}\n\n${cliReference()}\n${readme.slice(end)}`;
}
