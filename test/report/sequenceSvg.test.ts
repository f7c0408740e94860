import { describe, expect, it } from 'vitest';
import type { Arrow } from '../../src/report/sequence.js';
import { sequenceSvg } from '../../src/report/sequenceSvg.js';

const arrows: Arrow[] = [
  { from: 'VMM I/O APIC', to: 'KVM', label: 'CREATE_VCPU(0)', index: 0, reaction: null, violating: false },
  { from: 'guest', to: 'LAPIC', label: 'EOI <now>', index: 1, reaction: 0, violating: true },
  {
    from: 'VMM I/O APIC',
    to: 'VMM I/O APIC',
    label: 'device: line 1 = 1',
    index: 2,
    reaction: null,
    violating: false,
  },
];

describe('sequenceSvg', () => {
  it('draws four lanes, a line per arrow, a box per note, the violating step in red, labels escaped', () => {
    const svg = sequenceSvg(arrows);
    expect(svg.match(/<rect [^>]*rx="4"/g)).toHaveLength(4);
    expect(svg.match(/marker-end="url\(#head\)"/g)).toHaveLength(2);
    expect(svg).toContain('fill="#fff8e1"');
    expect(svg).toContain('fill="#c62828" font-weight="bold">↳ EOI &lt;now&gt;</text>');
    expect(svg).toMatch(/<text x="8" y="\d+" fill="#777">\[2\]<\/text>/);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="1040" height="128"/);
  });
});
