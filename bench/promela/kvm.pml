/*
 * The VM of bench/explore.ts's rows in Promela, the peer for the explorer's speed: kernel upstream, VMM
 * ioapic-0x20, policy enable, 2 vCPUs, 2 pins, vectors 64 (mask 1) and 80 (mask 2). A row's model includes this
 * and adds its guest and its alphabet (adversarial.pml, linux.pml). Together they store exactly what seoib's state
 * key stores (src/explore/stateKey.ts), so both count the same distinct states at every depth; bench/explore.ts
 * checks that before it prints a ratio.
 *
 * The initial values are the state after the enable policy's setup (split irqchip reserving 2 pins, ENABLE,
 * both vCPUs created with x2APIC in CPUID): each LAPIC advertises LVR bit 24, is software-disabled (SPIV 0xff)
 * unless the guest booted in setup (BOOTED), and was asked to rescan; each pin is the reset entry (masked, edge,
 * vector 0, destination 0).
 * Left out because no command of the alphabets changes them: the VM, the LAPICs' presence, x2APIC, CPUID, LVR
 * bit 24 (INIT sets it again under ENABLE), TPR, and the clock (its command changes nothing the key holds).
 *
 * Each command is an inline with the semantics of machines/ and src/model/step.ts, and updates the two invariant
 * monitors the key carries: no-unmask-before-ioapic-eoi's awaited vectors and no-stuck-pin's excused pins
 * (src/invariants/eoiInvariants.ts).
 */
/* A guest program that boots during setup (after KVM_SET_CPUID2) has run each vCPU and software-enabled its APIC. */
#ifndef BOOTED
#define BOOTED 0
#endif

#define V64 1
#define V80 2
#define NONE 2 /* no vCPU has run: the I/O APIC write goes straight to the VMM */

typedef Lapic {
  bit ran = BOOTED;  /* run region: hasRun */
  bit spiv12;        /* SPIV bit 12 (directed EOI) */
  bit swEnabled = BOOTED; /* SPIV bit 8: spivLow is 0x1ff, not 0xff */
  byte irr;          /* vector masks */
  byte isr;
  byte tmr;
  byte eoiExit;      /* ioapic_handled_vectors */
  bit scanReq = 1;   /* KVM_REQ_SCAN_IOAPIC pending */
  byte stale;        /* highest_stale_pending_ioapic_eoi, 0 for none */
};

typedef Pin {
  bit rirr;          /* Remote IRR */
  byte vec;          /* 0 (reset), V64 or V80 */
  bit dest;
  bit level;
  bit masked = 1;
  bit line;
};

Lapic L[2];
Pin P[2];
byte awaiting;       /* no-unmask-before-ioapic-eoi: vectors whose I/O APIC EOI is awaited */
byte excused;        /* no-stuck-pin: pins no EOI can reach any more */

/* Scratch of one step, zero between steps (Spin's breadth-first search refuses `hidden`), so no count changes. */
byte h, targeted, elsewhere, w, delivered, beforeRirr, beforeVec, lvl, k, directed, routed, oldLevel, oldMasked;
byte retargeted; /* pins the command made unreachable: a vector rewritten in flight, INIT */

/* The highest vector of a mask: 80 outranks 64. */
#define HIGHEST(m) (((m) & V80) -> V80 : (((m) & V64) -> V64 : 0))
/* The vector the guest would take: IRR's highest if its class is above the one in service (TPR is 0), else 0. */
#define DELIVERABLE(cpu) ((L[cpu].isr == 0 || (HIGHEST(L[cpu].irr) == V80 && HIGHEST(L[cpu].isr) == V64)) -> HIGHEST(L[cpu].irr) : 0)

inline requestScanAll() {
  L[0].scanReq = 1; L[1].scanReq = 1
}

/* vcpu_scan_ioapic(): level entries routed here, plus those routed elsewhere still pending here (since 6.16). */
inline scan(cpu) {
  targeted = 0; elsewhere = 0;
  k = 0;
  do
  :: k < 2 && P[k].level && P[k].dest == cpu -> targeted = targeted | P[k].vec; k++
  :: k < 2 && P[k].level && P[k].dest != cpu -> elsewhere = elsewhere | P[k].vec; k++
  :: k < 2 && !P[k].level -> k++
  :: k == 2 -> break
  od;
  elsewhere = elsewhere & (L[cpu].irr | L[cpu].isr);
  L[cpu].eoiExit = targeted | elsewhere;
  L[cpu].stale = HIGHEST(elsewhere);
  L[cpu].scanReq = 0
}

/* KVM_RUN: the first entry switches to x2APIC mode (the APIC map changes), then pending requests are served. */
inline enter(cpu) {
  if
  :: !L[cpu].ran -> L[cpu].ran = 1; requestScanAll()
  :: else -> skip
  fi;
  if
  :: L[cpu].scanReq -> scan(cpu)
  :: else -> skip
  fi
}

inline deliver(pin) {
  if
  :: L[P[pin].dest].swEnabled ->
       L[P[pin].dest].irr = L[P[pin].dest].irr | P[pin].vec;
       if
       :: P[pin].level -> L[P[pin].dest].tmr = L[P[pin].dest].tmr | P[pin].vec
       :: else -> L[P[pin].dest].tmr = L[P[pin].dest].tmr & ~P[pin].vec
       fi;
       delivered = delivered | P[pin].vec
  :: else -> skip /* dropped: software-disabled APIC */
  fi
}

/* An EOI of vector v on a pin of the 0x20 I/O APIC: Remote IRR clears, an asserted line delivers again. */
inline eoiPin(pin, v) {
  if
  :: P[pin].rirr && P[pin].vec == v && P[pin].level && P[pin].line && !P[pin].masked -> deliver(pin)
  :: P[pin].rirr && P[pin].vec == v && P[pin].level && !(P[pin].line && !P[pin].masked) -> P[pin].rirr = 0
  :: else -> skip
  fi
}

/* One half of an entry write; every write re-routes the pin (KVM_SET_GSI_ROUTING), so every vCPU rescans. */
inline writeHalf(pin, v, d, l, m) {
  requestScanAll();
  if
  :: !P[pin].rirr && l && !m && P[pin].line ->
       P[pin].vec = v; P[pin].dest = d; P[pin].level = l; P[pin].masked = m; P[pin].rirr = 1; deliver(pin)
  :: P[pin].rirr && !l ->
       P[pin].vec = v; P[pin].dest = d; P[pin].level = l; P[pin].masked = m; P[pin].rirr = 0
  :: else ->
       P[pin].vec = v; P[pin].dest = d; P[pin].level = l; P[pin].masked = m
  fi
}

/* The I/O APIC's writer: the lowest vCPU that has run, entering the guest around its MMIO accesses. */
inline findWriter() {
  if
  :: L[0].ran -> w = 0
  :: !L[0].ran && L[1].ran -> w = 1
  :: else -> w = NONE
  fi
}

inline enterWriter() {
  if
  :: w != NONE -> enter(w)
  :: else -> skip
  fi
}

/* no-stuck-pin: excused pins keep only those with Remote IRR; a pin newly set by a dropped delivery joins. */
inline newlyStuck(pin) {
  if
  :: !(beforeRirr & (1 << pin)) && P[pin].rirr && !(delivered & P[pin].vec) -> excused = excused | (1 << pin)
  :: else -> skip
  fi
}

inline rirrMask() {
  beforeRirr = P[0].rirr | (P[1].rirr << 1)
}

inline closeStep() {
  excused = (excused & (P[0].rirr | (P[1].rirr << 1))) | retargeted;
  newlyStuck(0); newlyStuck(1);
  h = 0; targeted = 0; elsewhere = 0; w = 0; delivered = 0; beforeRirr = 0; beforeVec = 0; lvl = 0; k = 0;
  directed = 0; routed = 0; oldLevel = 0; oldMasked = 0; retargeted = 0
}

/* guest.ioapicWriteRte: the destination half first, then the rest (RTE_WRITE_ORDER). */
inline writeRte(pin, v, d, l, m) {
  rirrMask();
  beforeVec = P[pin].vec;
  findWriter();
  enterWriter();
  oldLevel = P[pin].level; oldMasked = P[pin].masked;
  writeHalf(pin, beforeVec, d, oldLevel, oldMasked);
  enterWriter();
  writeHalf(pin, v, d, l, m);
  enterWriter();
  awaiting = awaiting & ~v & ~beforeVec;
  if
  :: (beforeRirr & (1 << pin)) && beforeVec != v -> retargeted = 1 << pin
  :: else -> skip
  fi;
  closeStep()
}

inline writeSpiv(cpu, dir) {
  rirrMask();
  enter(cpu);
  if
  :: !L[cpu].swEnabled -> requestScanAll()
  :: else -> skip
  fi;
  L[cpu].swEnabled = 1;
  L[cpu].spiv12 = dir;
  closeStep()
}

/* LVR writes fault, reads change nothing: only the entry. */
inline touch(cpu) {
  rirrMask();
  enter(cpu);
  closeStep()
}

inline accept(cpu) {
  rirrMask();
  enter(cpu);
  h = DELIVERABLE(cpu);
  if
  :: h != 0 -> L[cpu].irr = L[cpu].irr & ~h; L[cpu].isr = L[cpu].isr | h
  :: else -> skip
  fi;
  closeStep()
}

/* LAPIC EOI under ENABLE in split mode: suppressed with SPIV bit 12, else a KVM_EXIT_IOAPIC_EOI to the VMM. */
inline eoi(cpu) {
  rirrMask();
  h = HIGHEST(L[cpu].isr);
  directed = L[cpu].spiv12;
  lvl = L[cpu].tmr & h;
  routed = (P[0].level && P[0].vec == h && P[0].dest == cpu) || (P[1].level && P[1].vec == h && P[1].dest == cpu);
  enter(cpu);
  if
  :: h == 0 -> skip
  :: h != 0 && !(L[cpu].eoiExit & h) -> L[cpu].isr = L[cpu].isr & ~h
  :: h != 0 && (L[cpu].eoiExit & h) ->
       if
       :: h == L[cpu].stale -> L[cpu].scanReq = 1
       :: else -> skip
       fi;
       L[cpu].isr = L[cpu].isr & ~h;
       if
       :: L[cpu].spiv12 -> skip
       :: else -> eoiPin(0, h); eoiPin(1, h)
       fi
  fi;
  if
  :: h != 0 && directed && routed && lvl -> awaiting = awaiting | h
  :: h != 0 && !directed -> awaiting = awaiting & ~h
  :: else -> skip
  fi;
  closeStep()
}

inline initCpu(cpu) {
  rirrMask();
  enter(cpu);
  k = 0;
  do
  :: k < 2 && P[k].rirr && P[k].dest == cpu -> retargeted = retargeted | (1 << k); k++
  :: k < 2 && !(P[k].rirr && P[k].dest == cpu) -> k++
  :: k == 2 -> break
  od;
  L[cpu].spiv12 = 0; L[cpu].swEnabled = 0;
  L[cpu].irr = 0; L[cpu].isr = 0; L[cpu].tmr = 0;
  requestScanAll();
  closeStep()
}

inline ioapicEoi(v) {
  rirrMask();
  findWriter();
  enterWriter();
  eoiPin(0, v); eoiPin(1, v);
  awaiting = awaiting & ~v;
  closeStep()
}

inline setLine(pin, up) {
  rirrMask();
  if
  :: !P[pin].rirr && up && P[pin].level && !P[pin].masked ->
       P[pin].line = 1; P[pin].rirr = 1; deliver(pin)
  :: !P[pin].rirr && up && !P[pin].line && !P[pin].level && !P[pin].masked ->
       P[pin].line = 1; deliver(pin)
  :: else -> P[pin].line = up
  fi;
  closeStep()
}
