import type { OutlineNode } from '../../src/export/machineOutline.js';

/** A small parallel machine with a guarded, a targetless and an eventless transition. */
export const sample: OutlineNode = {
  id: 'm',
  key: 'm',
  kind: 'parallel',
  children: [
    {
      id: 'm.a',
      key: 'a',
      kind: 'compound',
      initial: 'm.a.off',
      children: [
        { id: 'm.a.off', key: 'off', kind: 'atomic', children: [], transitions: [] },
        { id: 'm.a.on', key: 'on', kind: 'atomic', children: [], transitions: [] },
      ],
      transitions: [
        { event: 'GO', guard: { kind: 'in', stateId: 'm.b.x' }, targets: ['m.a.on'] },
        { event: 'TICK', targets: [] },
      ],
    },
    {
      id: 'm.b',
      key: 'b',
      kind: 'compound',
      initial: 'm.b.x',
      children: [
        {
          id: 'm.b.x',
          key: 'x',
          kind: 'atomic',
          children: [],
          transitions: [{ event: 'always', targets: ['m.a'] }],
        },
      ],
      transitions: [],
    },
  ],
  transitions: [],
};
