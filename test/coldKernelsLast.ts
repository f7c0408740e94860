import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { hasCommand } from '../src/io/hasCommand.js';
import { cacheDir } from '../src/kvm/projectRoot.js';

/** Test files that boot Debian's kernels under QEMU or build selftests in sid's source tree. */
const KERNEL_SUITE = /[\\/]test[\\/]kvm[\\/]/;

const built = join(import.meta.dirname, '..', 'dist', 'src', 'kvm');

/** What the kernel suites fetch and prepare once: the two kernels they boot and sid's source tree. */
const CACHED = ['kernels/sid/image.json', 'kernels/bookworm/image.json', 'kernels/sid/source/tree.json'];

/**
 * Vitest's order (the longest or largest files first), but with a cold cache the kernel suites go last and their
 * kernels are fetched meanwhile. Cold, the kernels and sid's source tree take about 95 s to fetch, unpack and
 * prepare; the kernel suites would spend that holding both workers, waiting on each other's cache locks. A process
 * of its own fetches them under the same locks while the model's suites run, and outlives an interrupted run (it
 * only fills the cache). Warm, the kernel suites are among the longest and are best started first.
 */
export class ColdKernelsLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const kernelSuites = sorted.filter((file) => KERNEL_SUITE.test(file.moduleId));
    if (kernelSuites.length === 0 || CACHED.every((file) => existsSync(join(cacheDir(), file))))
      return sorted;
    prefetchKernels();
    return [...sorted.filter((file) => !KERNEL_SUITE.test(file.moduleId)), ...kernelSuites];
  }
}

/**
 * Runs the build's own fetchers (`npm test` builds first); without the build or QEMU the suites fetch for
 * themselves, or skip saying why.
 */
function prefetchKernels(): void {
  const modules = ['debianKernel.js', 'kernelTree.js'].map((name) => join(built, name));
  if (!modules.every(existsSync) || !hasCommand('qemu-system-x86_64')) return;
  const [kernel, tree] = modules.map((file) => JSON.stringify(pathToFileURL(file).href));
  const script = `
    const { debianKernel } = await import(${kernel});
    const { debianKernelTree } = await import(${tree});
    for (const suite of ['sid', 'bookworm']) debianKernel(suite);
    debianKernelTree('sid');`;
  spawn(process.execPath, ['--input-type=module', '-e', script], { detached: true, stdio: 'ignore' }).unref();
}
