/*
 * The bounded model of bench/explore.ts in Promela, as a peer reference for the explorer's speed:
 * kernel upstream, VMM ioapic-0x20, policy enable (split irqchip, ENABLE, both vCPUs created with x2APIC in
 * CPUID, done by init), the adversarial guest, 2 vCPUs, 2 pins, vectors 64 (mask bit 1) and 80 (mask bit 2).
 * Each command of the explorer's alphabet is one d_step, with the semantics of machines/ and src/model/step.ts.
 * The invariants' monitors are not modelled: this measures exploration, the explorer checks the invariants.
 */
#define V64 1
#define V80 2

typedef Lapic {
  bit ran;       /* the vCPU has run */
  bit lvr24;     /* LVR bit 24 (Suppress EOI Broadcast advertised) */
  bit spiv12;    /* SPIV bit 12 (directed EOI) */
  bit swEnabled;   /* SPIV bit 8 (APIC software-enabled) */
  byte irr;      /* vector masks */
  byte isr;
  byte tmr;
  byte eoiExit;
};

typedef Pin {
  bit rirr;      /* Remote IRR */
  byte vec;      /* 0 (reset), V64 or V80 */
  bit dest;
  bit level;
  bit masked;
  bit line;
};

Lapic L[2];
Pin P[2];
byte highest;

/* The highest vector of a mask: 80 outranks 64. */
#define HIGHEST(m) (((m) & V80) -> V80 : (((m) & V64) -> V64 : 0))

inline deliver(pin) {
  if
  :: L[P[pin].dest].swEnabled ->
       L[P[pin].dest].irr = L[P[pin].dest].irr | P[pin].vec;
       if
       :: P[pin].level -> L[P[pin].dest].tmr = L[P[pin].dest].tmr | P[pin].vec
       :: else -> L[P[pin].dest].tmr = L[P[pin].dest].tmr & ~P[pin].vec
       fi
  :: else -> skip
  fi
}

inline eoiPin(pin, v) {
  if
  :: P[pin].rirr && P[pin].vec == v && P[pin].level && P[pin].line && !P[pin].masked -> deliver(pin)
  :: P[pin].rirr && P[pin].vec == v && P[pin].level && !(P[pin].line && !P[pin].masked) -> P[pin].rirr = 0
  :: else -> skip
  fi
}

/* An EOI for vector v reaches every pin (the 0x20 I/O APIC has the EOI register, so both sources act). */
inline eoiAllPins(v) {
  eoiPin(0, v);
  eoiPin(1, v)
}

inline scanPin(cpu, pin) {
  if
  :: P[pin].level && P[pin].dest == cpu -> L[cpu].eoiExit = L[cpu].eoiExit | P[pin].vec
  :: P[pin].level && P[pin].dest != cpu -> L[cpu].eoiExit = L[cpu].eoiExit | (P[pin].vec & (L[cpu].irr | L[cpu].isr))
  :: else -> skip
  fi
}

/* KVM_REQ_SCAN_IOAPIC: level entries routed to a vCPU, plus those routed elsewhere still pending here. */
inline rescan() {
  L[0].eoiExit = 0; scanPin(0, 0); scanPin(0, 1);
  L[1].eoiExit = 0; scanPin(1, 0); scanPin(1, 1)
}

inline writeRte(pin, v, d, lvl, m) {
  if
  :: !P[pin].rirr && lvl && !m && P[pin].line ->
       P[pin].vec = v; P[pin].dest = d; P[pin].level = lvl; P[pin].masked = m;
       P[pin].rirr = 1; deliver(pin)
  :: P[pin].rirr && !lvl ->
       P[pin].vec = v; P[pin].dest = d; P[pin].level = lvl; P[pin].masked = m; P[pin].rirr = 0
  :: else ->
       P[pin].vec = v; P[pin].dest = d; P[pin].level = lvl; P[pin].masked = m
  fi;
  rescan()
}

inline setLine(pin, up) {
  if
  :: !P[pin].rirr && up && P[pin].level && !P[pin].masked ->
       P[pin].line = 1; P[pin].rirr = 1; deliver(pin)
  :: !P[pin].rirr && up && !P[pin].line && !P[pin].level && !P[pin].masked ->
       P[pin].line = 1; deliver(pin)
  :: else -> P[pin].line = up
  fi
}

inline accept(cpu) {
  L[cpu].ran = 1;
  highest = HIGHEST(L[cpu].irr);
  if
  :: highest != 0 && (L[cpu].isr == 0 || (highest == V80 && HIGHEST(L[cpu].isr) == V64)) ->
       L[cpu].irr = L[cpu].irr & ~highest; L[cpu].isr = L[cpu].isr | highest
  :: else -> skip
  fi
}

/* LAPIC EOI under ENABLE in split mode: suppressed with SPIV bit 12, else a KVM_EXIT_IOAPIC_EOI to the VMM. */
inline eoi(cpu) {
  L[cpu].ran = 1;
  highest = HIGHEST(L[cpu].isr);
  if
  :: highest == 0 -> skip
  :: highest != 0 && !(L[cpu].eoiExit & highest) -> L[cpu].isr = L[cpu].isr & ~highest
  :: highest != 0 && (L[cpu].eoiExit & highest) && L[cpu].spiv12 -> L[cpu].isr = L[cpu].isr & ~highest
  :: highest != 0 && (L[cpu].eoiExit & highest) && !L[cpu].spiv12 ->
       L[cpu].isr = L[cpu].isr & ~highest; eoiAllPins(highest)
  fi
}

inline writeSpiv(cpu, directed) {
  L[cpu].ran = 1;
  L[cpu].swEnabled = 1;
  L[cpu].spiv12 = (directed && L[cpu].lvr24)
}

inline reset(cpu) {
  L[cpu].ran = 1;
  L[cpu].lvr24 = 1; L[cpu].spiv12 = 0; L[cpu].swEnabled = 0;
  L[cpu].irr = 0; L[cpu].isr = 0; L[cpu].tmr = 0;
  rescan()
}

active proctype world() {
  /* Setup of the enable policy: both LAPICs advertise bit 24; reset SPIV leaves the APIC software-disabled. */
  d_step { L[0].lvr24 = 1; L[1].lvr24 = 1 };
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
  /* the guest CPUs (LVR writes fault and reads change nothing but the run bit) */
  :: d_step { writeSpiv(0, 0) }
  :: d_step { writeSpiv(0, 1) }
  :: d_step { L[0].ran = 1 }
  :: d_step { accept(0) }
  :: d_step { eoi(0) }
  :: d_step { reset(0) }
  :: d_step { writeSpiv(1, 0) }
  :: d_step { writeSpiv(1, 1) }
  :: d_step { L[1].ran = 1 }
  :: d_step { accept(1) }
  :: d_step { eoi(1) }
  :: d_step { reset(1) }
  :: d_step { eoiAllPins(V64) }
  :: d_step { eoiAllPins(V80) }
  /* the devices */
  :: d_step { setLine(0, 1) }
  :: d_step { setLine(0, 0) }
  :: d_step { setLine(1, 1) }
  :: d_step { setLine(1, 0) }
  od
}
