import { type Arrow, LANES, type Lane } from './sequence.js';

const ALIAS: Record<Lane, string> = { guest: 'G', LAPIC: 'L', KVM: 'K', 'VMM I/O APIC': 'V' };

// Mermaid sequence messages end at a newline and treat `;` and `#` specially.
const text = (label: string) => label.replaceAll(';', ',').replaceAll('#', '');

/** Mermaid `sequenceDiagram` source; the violating step is wrapped in a red `rect`. */
export function sequenceMermaid(arrows: readonly Arrow[]): string {
  const lines = ['sequenceDiagram', ...LANES.map((lane) => `  participant ${ALIAS[lane]} as ${lane}`)];
  let inViolation = false;
  for (const arrow of arrows) {
    if (arrow.violating !== inViolation) {
      lines.push(arrow.violating ? '  rect rgb(255, 205, 210)' : '  end');
      inViolation = arrow.violating;
    }
    const label = text(arrow.reaction === null ? `[${arrow.index}] ${arrow.label}` : `↳ ${arrow.label}`);
    lines.push(
      arrow.from === arrow.to
        ? `  Note over ${ALIAS[arrow.from]}: ${label}`
        : `  ${ALIAS[arrow.from]}->>${ALIAS[arrow.to]}: ${label}`,
    );
  }
  if (inViolation) lines.push('  end');
  return `${lines.join('\n')}\n`;
}
