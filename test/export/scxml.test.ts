import { describe, expect, it } from 'vitest';
import { toScxml } from '../../src/export/scxml.js';
import { sample } from './sampleOutline.js';

describe('toScxml', () => {
  it('writes parallel and compound states, conditions with In(), and internal targetless transitions', () => {
    const text = toScxml(sample);
    expect(text).toContain('<parallel id="m">');
    expect(text).toContain('<state id="m.a" initial="m.a.off">');
    expect(text).toContain(`<transition event="GO" cond="In('m.b.x')" target="m.a.on"/>`);
    expect(text).toContain('<transition event="TICK" type="internal"/>');
    expect(text).toContain('<transition target="m.a"/>');
    expect(text).toContain('<state id="m.a.on"/>');
  });
});
