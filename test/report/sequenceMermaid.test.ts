import { describe, expect, it } from 'vitest';
import type { Arrow } from '../../src/report/sequence.js';
import { sequenceMermaid } from '../../src/report/sequenceMermaid.js';

describe('sequenceMermaid', () => {
  it('declares the four participants and wraps the violating step in a red rect', () => {
    const arrows: Arrow[] = [
      { from: 'guest', to: 'LAPIC', label: 'sti; hlt', index: 0, reaction: null, violating: false },
      {
        from: 'KVM',
        to: 'VMM I/O APIC',
        label: 'KVM_EXIT_IOAPIC_EOI 64',
        index: 0,
        reaction: 2,
        violating: true,
      },
      { from: 'LAPIC', to: 'LAPIC', label: 'INIT (vcpu 0)', index: 1, reaction: null, violating: false },
    ];
    expect(sequenceMermaid(arrows)).toBe(
      [
        'sequenceDiagram',
        '  participant G as guest',
        '  participant L as LAPIC',
        '  participant K as KVM',
        '  participant V as VMM I/O APIC',
        '  G->>L: [0] sti, hlt',
        '  rect rgb(255, 205, 210)',
        '  K->>V: ↳ KVM_EXIT_IOAPIC_EOI 64',
        '  end',
        '  Note over L: [1] INIT (vcpu 0)',
        '',
      ].join('\n'),
    );
  });
});
