import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { withFolderLock } from '../io/folderLock.js';
import { hasCommand } from '../io/hasCommand.js';
import { KvmUnavailable } from './kvmUnavailable.js';
import { cacheDir } from './projectRoot.js';
import { runnerBinary } from './runnerBinary.js';

/** A Debian kernel ready to boot under QEMU with the runner as init. */
export interface KernelImage {
  /** Debian suite it came from. */
  suite: string;
  /** The image package and its version, e.g. linux-image-6.1.0-40-amd64 6.1.192-1. */
  package: string;
  /** Kernel release (uname -r). */
  release: string;
  /** The kernel. */
  vmlinuz: string;
  /** The initramfs: busybox, the KVM modules, the runner. */
  initrd: string;
}

/** Modules that give /dev/kvm on QEMU's software SVM, in load order once dependencies are added. */
const WANTED = ['kvm-amd'];

/** Runs a command; its failure is a KvmUnavailable naming `what` and the command's last line of stderr. */
export function run(command: string, args: readonly string[], what: string, cwd?: string): string {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 1 << 26,
      ...(cwd === undefined ? {} : { cwd }),
    });
  } catch (error) {
    const e = error as { code?: string; stderr?: string };
    const why =
      e.code === 'ENOENT' ? `${command} not found` : (e.stderr ?? String(error)).trim().split('\n').at(-1);
    throw new KvmUnavailable(`${what}: ${why}`);
  }
}

/** The machine's own Debian mirror (from its apt sources), so only the suite changes. */
export function debianMirror(): string {
  const files = [
    '/etc/apt/sources.list',
    ...listDir('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f)),
  ];
  for (const file of files.filter((f) => f.endsWith('.list') || f.endsWith('.sources'))) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    for (const match of text.matchAll(/(?:^URIs:\s*|^deb\s+(?:\[[^\]]*\]\s+)?)(\S+)/gm)) {
      const uri = match[1] as string;
      if (/\/debian\/?$/.test(uri)) return uri.replace(/\/$/, '');
    }
  }
  throw new KvmUnavailable('no Debian mirror in /etc/apt/sources.list{,.d}: cannot fetch a kernel package');
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** A private apt state under the cache for `suite` (the machine's apt setup is untouched): options and folder. */
export function apt(suite: string): { options: string[]; dir: string } {
  const dir = join(cacheDir(), 'apt', suite);
  for (const sub of ['state/lists/partial', 'cache/archives/partial', 'etc'])
    mkdirSync(join(dir, sub), { recursive: true });
  const sources = join(dir, 'etc', 'sources.list');
  writeFileSync(
    sources,
    `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${debianMirror()} ${suite} main\n`,
  );
  const options = [
    `-oDir::State=${join(dir, 'state')}`,
    `-oDir::Cache=${join(dir, 'cache')}`,
    `-oDir::Etc::SourceList=${sources}`,
    '-oDir::Etc::SourceParts=/dev/null',
    '-oAPT::Sandbox::User=root',
  ];
  return { options, dir };
}

/** The first package `pkg` depends on whose name starts with `prefix`. */
export function dependsOn(options: string[], pkg: string, prefix: string): string | undefined {
  const text = run('apt-cache', [...options, 'depends', pkg], `apt-cache depends ${pkg}`);
  return [...text.matchAll(/Depends:\s+(\S+)/g)].map((m) => m[1] as string).find((p) => p.startsWith(prefix));
}

/** The version apt would download of `pkg`, or '?'. */
export function packageVersion(options: string[], pkg: string): string {
  return (
    /^Version:\s*(\S+)/m.exec(run('apt-cache', [...options, 'show', pkg], `apt-cache show ${pkg}`))?.[1] ??
    '?'
  );
}

/** Downloads a package into `dir` with apt-get and unpacks it into `into`. */
export function download(options: string[], dir: string, pkg: string, into: string): void {
  run('apt-get', [...options, '-q', 'download', pkg], `apt-get download ${pkg}`, dir);
  const deb = readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (deb === undefined) throw new KvmUnavailable(`apt-get download ${pkg}: no .deb`);
  run('dpkg-deb', ['-x', join(dir, deb), into], `dpkg-deb -x ${deb}`);
  rmSync(join(dir, deb));
}

function findFile(root: string, test: (path: string) => boolean): string | undefined {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (test(path)) return path;
    }
  }
  return undefined;
}

function moduleBytes(file: string): Buffer {
  if (file.endsWith('.xz')) return execFileSync('xz', ['-dc', file], { maxBuffer: 1 << 28 });
  if (file.endsWith('.zst')) return execFileSync('zstd', ['-dc', file], { maxBuffer: 1 << 28 });
  return readFileSync(file);
}

/** The modules in `wanted` and everything they depend on (modinfo's depends=), dependencies first. */
function withDependencies(modules: string, wanted: readonly string[]): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [];
  const visit = (name: string) => {
    if (out.some((m) => m.name === name)) return;
    const file = findFile(
      modules,
      (p) =>
        /\.ko(\.xz|\.zst)?$/.test(p) &&
        p.split('/').at(-1)?.split('.ko')[0]?.replace(/_/g, '-') === name.replace(/_/g, '-'),
    );
    if (file === undefined) throw new KvmUnavailable(`the kernel package has no ${name} module`);
    const bytes = moduleBytes(file);
    const at = bytes.indexOf('depends=');
    const depends = at < 0 ? '' : bytes.subarray(at + 8, bytes.indexOf(0, at)).toString();
    for (const dep of depends.split(',').filter((d) => d !== '')) visit(dep);
    out.push({ name, bytes });
  };
  for (const name of wanted) visit(name);
  return out;
}

/** The init of the initramfs: busybox, /proc, /sys, /dev and the KVM modules, then `program` on the console. */
/** Refuses (KvmUnavailable) where QEMU is not installed, before anything is fetched for it. */
export function requireQemu(): void {
  if (!hasCommand('qemu-system-x86_64'))
    throw new KvmUnavailable('qemu-system-x86_64 not found: install the Debian package qemu-system-x86');
}

/** qemu-system-x86_64's arguments to boot a Debian kernel with `initrd` under TCG, with software SVM (`-cpu max`). */
export function qemuBoot(image: KernelImage, initrd: string, memoryMb: number): string[] {
  return [
    ...['-machine', 'q35', '-accel', 'tcg', '-cpu', 'max', '-m', String(memoryMb), '-smp', '1'],
    ...['-nographic', '-no-reboot', '-kernel', image.vmlinuz, '-initrd', initrd],
    ...['-append', 'console=ttyS0 quiet loglevel=1 panic=-1'],
  ];
}

const INIT = (modules: readonly string[], program: string) => `#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ${modules.join(' ')}; do insmod /lib/$m.ko; done
stty -echo -F /dev/console 2>/dev/null
${program}
poweroff -f
`;

const RUNNER_INIT = '/runner < /dev/console > /dev/console 2>&1';

function busybox(): string {
  const path = run('sh', ['-c', 'command -v busybox'], 'busybox (Debian package busybox-static)').trim();
  const kind = run('sh', ['-c', `ldd ${path} 2>&1 || true`], 'ldd busybox');
  if (!/not a dynamic executable|statically linked/.test(kind))
    throw new KvmUnavailable(`${path} is dynamically linked: install the Debian package busybox-static`);
  return path;
}

/** Files the initramfs carries beside busybox and the KVM modules: [path inside, file outside]. */
export type InitrdFiles = readonly (readonly [string, string])[];

function buildInitrd(kernelRoot: string, out: string): void {
  packInitrd(kernelRoot, out, [['runner', runnerBinary()]], RUNNER_INIT);
}

/**
 * Packs an initramfs for the kernel unpacked at `kernelRoot`: busybox, the KVM modules and `files`, with an init
 * that loads the modules and runs `program` (a shell command line) before powering off.
 */
export function packInitrd(kernelRoot: string, out: string, files: InitrdFiles, program: string): void {
  const modulesDir = findFile(kernelRoot, (p) => p.endsWith('/modules.order'));
  if (modulesDir === undefined) throw new KvmUnavailable(`no kernel modules in ${kernelRoot}`);
  const modules = withDependencies(modulesDir.replace(/\/modules\.order$/, ''), WANTED);
  const root = `${out}.root`;
  rmSync(root, { recursive: true, force: true });
  for (const sub of ['bin', 'lib', 'proc', 'sys', 'dev']) mkdirSync(join(root, sub), { recursive: true });
  copyFileSync(busybox(), join(root, 'bin', 'busybox'));
  for (const [inside, outside] of files) {
    mkdirSync(dirname(join(root, inside)), { recursive: true });
    copyFileSync(outside, join(root, inside));
    chmodSync(join(root, inside), 0o755);
  }
  for (const m of modules) writeFileSync(join(root, 'lib', `${m.name}.ko`), m.bytes);
  writeFileSync(
    join(root, 'init'),
    INIT(
      modules.map((m) => m.name),
      program,
    ),
  );
  chmodSync(join(root, 'init'), 0o755);
  run(
    'sh',
    [
      '-c',
      `cd '${root}' && find . | cpio -o -H newc --quiet | gzip -1 > '${out}.tmp' && mv '${out}.tmp' '${out}'`,
    ],
    'cpio (Debian package cpio)',
  );
  rmSync(root, { recursive: true, force: true });
}

/**
 * Debian's current amd64 kernel of `suite`, fetched with apt's own client into a private apt state under the
 * cache (the machine's apt setup is untouched), unpacked, and given an initramfs with the runner. Cached.
 */
export function debianKernel(suite: string): KernelImage {
  return withFolderLock(join(cacheDir(), 'kernels', suite), () => fetchedKernel(suite));
}

function fetchedKernel(suite: string): KernelImage {
  const dir = join(cacheDir(), 'kernels', suite);
  const record = join(dir, 'image.json');
  if (existsSync(record)) {
    const image = JSON.parse(readFileSync(record, 'utf8')) as KernelImage;
    if (existsSync(image.vmlinuz) && existsSync(image.initrd)) {
      buildInitrdIfStale(image);
      return image;
    }
  }
  const { options, dir: aptDir } = apt(suite);
  run('apt-get', [...options, '-q', 'update'], `apt-get update (${suite})`);
  const pkg = dependsOn(options, 'linux-image-amd64', 'linux-image-');
  if (pkg === undefined) throw new KvmUnavailable(`${suite}: linux-image-amd64 names no kernel package`);
  const version = packageVersion(options, pkg);
  const root = join(dir, 'root');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  download(options, aptDir, pkg, root);
  // Newer packaging splits the image package into linux-base-* (module lists), linux-binary-* (the kernel) and
  // linux-modules-*.
  if (findFile(root, (p) => /\/vmlinuz(-[^/]*)?$/.test(p)) === undefined) {
    for (const prefix of ['linux-base-', 'linux-binary-', 'linux-modules-'])
      download(options, aptDir, pkg.replace('linux-image-', prefix), root);
  }
  const vmlinuz = findFile(root, (p) => /\/vmlinuz(-[^/]*)?$/.test(p));
  const order = findFile(root, (p) => p.endsWith('/modules.order'));
  if (vmlinuz === undefined || order === undefined)
    throw new KvmUnavailable(`${pkg}: no vmlinuz or no modules`);
  const release = order.split('/').at(-2) as string;
  const image: KernelImage = {
    suite,
    package: `${pkg} ${version}`,
    release,
    vmlinuz,
    initrd: join(dir, 'initrd.gz'),
  };
  buildInitrd(root, image.initrd);
  writeFileAtomic(record, `${JSON.stringify(image, null, 2)}\n`);
  return image;
}

/** Rebuilds the initramfs when the runner was rebuilt since. */
function buildInitrdIfStale(image: KernelImage): void {
  if (statSync(runnerBinary()).mtimeMs > statSync(image.initrd).mtimeMs)
    buildInitrd(join(cacheDir(), 'kernels', image.suite, 'root'), image.initrd);
}
