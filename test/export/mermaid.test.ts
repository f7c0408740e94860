import { describe, expect, it } from 'vitest';
import { toMermaid } from '../../src/export/mermaid.js';
import { sample } from './sampleOutline.js';

describe('toMermaid', () => {
  it('nests states, separates parallel regions with --, and loops targetless transitions', () => {
    const text = toMermaid(sample);
    expect(text.split('\n').slice(0, 3)).toEqual(['stateDiagram-v2', '  [*] --> m', '  state "m" as m {']);
    expect(text).toContain('    [*] --> m_a_off');
    expect(text).toMatch(/}\n {4}--\n {4}state "b" as m_b \{/);
    expect(text).toContain('    m_a --> m_a_on : GO [in(m.b.x)]');
    expect(text).toContain('    m_a --> m_a : TICK');
    expect(text).toContain('      m_b_x --> m_a : always');
  });
});
