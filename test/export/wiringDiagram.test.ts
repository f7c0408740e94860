import { describe, expect, it } from 'vitest';
import { WIRES } from '../../machines/wiring.js';
import { wiringDot, wiringMermaid } from '../../src/export/wiringDiagram.js';

describe('the wiring diagrams', () => {
  const arrows = [...WIRES.values()].reduce((sum, wire) => sum + wire.to.length, 0);

  it('draw one arrow from the emitting machine to each machine a wire reaches, named by its event', () => {
    const mermaid = wiringMermaid();
    expect(mermaid.startsWith('flowchart LR\n')).toBe(true);
    expect(mermaid.match(/ -->\|/g)).toHaveLength(arrows);
    expect(mermaid).toContain('  lapic -->|"eoiExit: KVM_EXIT_IOAPIC_EOI');
    expect(mermaid).toContain('"| observation\n');
    const dot = wiringDot();
    expect(dot.startsWith('digraph wiring {\n  rankdir=LR;\n')).toBe(true);
    expect(dot.endsWith('}\n')).toBe(true);
    expect(dot.match(/ -> /g)).toHaveLength(arrows);
    expect(dot).toContain('  "ioapicPin" -> "lapic" [label="deliver: DELIVER to the destination LAPIC');
  });
});
