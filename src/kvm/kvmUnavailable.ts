/** No real kernel can be reached (no /dev/kvm, no QEMU, no compiler, no package, a boot that hangs): exit 3. */
export class KvmUnavailable extends Error {
  override name = 'KvmUnavailable';
}
