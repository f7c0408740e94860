import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { withFolderLock } from '../io/folderLock.js';
import { apt, dependsOn, download, packageVersion, run } from './debianKernel.js';
import { KvmUnavailable } from './kvmUnavailable.js';
import { cacheDir } from './projectRoot.js';

/** A Debian kernel source tree with its UAPI headers installed, ready for tools/testing/selftests/kvm. */
export interface KernelTree {
  /** Debian suite it came from. */
  suite: string;
  /** The source package and its version, e.g. linux-source-7.2 7.2.13-1. */
  package: string;
  /** The tree's top folder. */
  root: string;
  /** Its KVM selftests folder. */
  selftests: string;
}

/** Seconds it took to fetch, unpack and prepare the tree; 0 when it came from the cache. */
export interface KernelTreeReady extends KernelTree {
  seconds: number;
}

/**
 * Debian's kernel source of `suite` (the linux-source-N package `linux-source` names), fetched with apt's own client
 * into the same private apt state as the kernel images, unpacked under the cache and given its UAPI headers
 * (`make headers_install`, which needs rsync). Cached: a second call costs nothing.
 */
export function debianKernelTree(suite: string): KernelTreeReady {
  return withFolderLock(join(cacheDir(), 'kernels', suite), () => fetchedTree(suite));
}

function fetchedTree(suite: string): KernelTreeReady {
  const started = Date.now();
  const dir = join(cacheDir(), 'kernels', suite, 'source');
  const record = join(dir, 'tree.json');
  if (existsSync(record)) {
    const tree = JSON.parse(readFileSync(record, 'utf8')) as KernelTree;
    if (existsSync(join(tree.root, 'usr', 'include', 'linux', 'kvm.h'))) return { ...tree, seconds: 0 };
  }
  run('sh', ['-c', 'command -v rsync'], 'rsync (Debian package rsync, needed by make headers_install)');
  const { options, dir: aptDir } = apt(suite);
  run('apt-get', [...options, '-q', 'update'], `apt-get update (${suite})`);
  const pkg = dependsOn(options, 'linux-source', 'linux-source-');
  if (pkg === undefined) throw new KvmUnavailable(`${suite}: linux-source names no source package`);
  const version = packageVersion(options, pkg);
  rmSync(dir, { recursive: true, force: true });
  const unpacked = join(dir, 'deb');
  mkdirSync(unpacked, { recursive: true });
  download(options, aptDir, pkg, unpacked);
  const tarball = join(unpacked, 'usr', 'src', `${pkg}.tar.xz`);
  if (!existsSync(tarball)) throw new KvmUnavailable(`${pkg}: no ${pkg}.tar.xz in the package`);
  run('tar', ['-xJf', tarball, '-C', dir], `tar -xJf ${pkg}.tar.xz`);
  rmSync(unpacked, { recursive: true, force: true });
  const top = readdirSync(dir).find((name) => name.startsWith('linux-source'));
  if (top === undefined) throw new KvmUnavailable(`${pkg}: the tarball holds no linux-source folder`);
  const root = join(dir, top);
  run('make', ['-s', '-C', root, 'headers_install'], `make headers_install in ${pkg}`);
  const tree: KernelTree = {
    suite,
    package: `${pkg} ${version}`,
    root,
    selftests: join(root, 'tools', 'testing', 'selftests', 'kvm'),
  };
  writeFileAtomic(record, `${JSON.stringify(tree, null, 2)}\n`);
  return { ...tree, seconds: (Date.now() - started) / 1000 };
}
