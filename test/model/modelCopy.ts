import { vi } from 'vitest';
import { GUESTS } from '../../src/model/guests/index.js';
import { KERNELS } from '../../src/model/kernels.js';
import type { step } from '../../src/model/step.js';
import { VMMS } from '../../src/model/vmms.js';
import { makeRow } from '../../src/scenario/row.js';

/** Every kernel × VMM × guest, adversarial ioctls, 2 vCPUs × 2 pins: what a second copy of the model is held to. */
export const EVERY_PROFILE_ROW = [...KERNELS.keys()].flatMap((kernel) =>
  [...VMMS.keys()].flatMap((vmm) =>
    [...GUESTS.keys()].map((guest) => makeRow(kernel, vmm, 'adversarial', guest, { vcpus: 2, pins: 2 })),
  ),
);

/**
 * step() from a second copy of the model in which the module at `path` (from test/model/) exports what `replace`
 * makes of its real exports.
 */
export async function stepWithModule<M>(path: string, replace: (real: M) => M): Promise<typeof step> {
  vi.resetModules();
  vi.doMock(path, async (original) => replace(await original<M>()));
  const copy = await import('../../src/model/step.js');
  vi.doUnmock(path);
  // The mutation suite shares one module registry: a later suite must not import this copy of the model.
  vi.resetModules();
  return copy.step;
}
