/*
 * upstream/ioapic-0x20/enable/adversarial: the guest does only what the alphabet says; each command of seoib's
 * alphabet for the row is one d_step.
 */
#include "kvm.pml"

active proctype world() {
  do
  /* the driver programs the I/O APIC */
  :: d_step { writeRte(0, V64, 0, 1, 0) }
  :: d_step { writeRte(0, V64, 0, 0, 0) }
  :: d_step { writeRte(0, V64, 1, 1, 0) }
  :: d_step { writeRte(0, V64, 1, 0, 0) }
  :: d_step { writeRte(0, V80, 0, 1, 0) }
  :: d_step { writeRte(0, V80, 0, 0, 0) }
  :: d_step { writeRte(0, V80, 1, 1, 0) }
  :: d_step { writeRte(0, V80, 1, 0, 0) }
  :: d_step { writeRte(0, V64, 0, 1, 1) }
  :: d_step { writeRte(1, V64, 0, 1, 0) }
  :: d_step { writeRte(1, V64, 0, 0, 0) }
  :: d_step { writeRte(1, V64, 1, 1, 0) }
  :: d_step { writeRte(1, V64, 1, 0, 0) }
  :: d_step { writeRte(1, V80, 0, 1, 0) }
  :: d_step { writeRte(1, V80, 0, 0, 0) }
  :: d_step { writeRte(1, V80, 1, 1, 0) }
  :: d_step { writeRte(1, V80, 1, 0, 0) }
  :: d_step { writeRte(1, V64, 0, 1, 1) }
  /* the guest CPUs: SPIV 0x1ff and 0x11ff, LVR write (#GP), LVR and SPIV reads, accept, EOI, INIT */
  :: d_step { writeSpiv(0, 0) }
  :: d_step { writeSpiv(0, 1) }
  :: d_step { touch(0) }
  :: d_step { accept(0) }
  :: d_step { eoi(0) }
  :: d_step { initCpu(0) }
  :: d_step { writeSpiv(1, 0) }
  :: d_step { writeSpiv(1, 1) }
  :: d_step { touch(1) }
  :: d_step { accept(1) }
  :: d_step { eoi(1) }
  :: d_step { initCpu(1) }
  /* the guest's I/O APIC EOIs */
  :: d_step { ioapicEoi(V64) }
  :: d_step { ioapicEoi(V80) }
  /* the devices (the clock command changes nothing the key holds) */
  :: d_step { setLine(0, 1) }
  :: d_step { setLine(0, 0) }
  :: d_step { setLine(1, 1) }
  :: d_step { setLine(1, 0) }
  od
}
