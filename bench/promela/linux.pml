/*
 * upstream/ioapic-0x20/enable/linux: the driver's entry writes and the devices' lines are the alphabet, and after
 * each command the Linux guest program reacts (src/model/guests/linux.ts, src/model/step.ts react()): round by
 * round, the lowest vCPU with something to do does one thing, until none has or MAX_REACTIONS (32) are done.
 */
/* Linux boots each vCPU as soon as CPUID has x2APIC: in setup, with SPIV 0x1ff */
#define BOOTED 1
#include "kvm.pml"

#define OFF 0
#define IDLE 3
#define HANDLING 4
/* Handling steps, numbered as in the state key */
#define ACCEPTED 0
#define TMR_SET 1
#define TMR_CLEAR 2
#define EOI_DONE 3

typedef Guest {
  byte phase = IDLE; /* OFF, IDLE or HANDLING (Linux never sets SPIV bit 12: directed stays 0) */
  byte vec;          /* the vector being handled, 0 when not HANDLING */
  byte step;         /* ACCEPTED .. EOI_DONE, 0 when not HANDLING */
};

Guest G[2];
/* Scratch of the reactions, zero between steps */
byte reactions, acted, c, v;

/* One thing vCPU c's guest does now, if any (linuxProgram.next()). */
inline act() {
  if
  :: G[c].phase == OFF -> writeSpiv(c, 0); G[c].phase = IDLE; acted = 1
  :: G[c].phase == IDLE && DELIVERABLE(c) != 0 ->
       v = DELIVERABLE(c); accept(c); G[c].phase = HANDLING; G[c].vec = v; G[c].step = ACCEPTED; acted = 1
  :: G[c].phase == HANDLING && G[c].step == EOI_DONE ->
       /* version 0x20: the explicit I/O APIC EOI is the EOI register */
       v = G[c].vec; ioapicEoi(v); G[c].phase = IDLE; G[c].vec = 0; G[c].step = 0; acted = 1
  :: G[c].phase == HANDLING && G[c].step == TMR_SET ->
       eoi(c); G[c].phase = IDLE; G[c].vec = 0; G[c].step = 0; acted = 1
  :: G[c].phase == HANDLING && G[c].step == TMR_CLEAR -> eoi(c); G[c].step = EOI_DONE; acted = 1
  /* the driver services the device: it lowers the line of the lowest pin of the vector that is up */
  :: G[c].phase == HANDLING && G[c].step == ACCEPTED && P[0].vec == G[c].vec && P[0].line ->
       setLine(0, 0); acted = 1
  :: G[c].phase == HANDLING && G[c].step == ACCEPTED && !(P[0].vec == G[c].vec && P[0].line) &&
     P[1].vec == G[c].vec && P[1].line ->
       setLine(1, 0); acted = 1
  /* then reads TMR */
  :: G[c].phase == HANDLING && G[c].step == ACCEPTED && !(P[0].vec == G[c].vec && P[0].line) &&
     !(P[1].vec == G[c].vec && P[1].line) ->
       touch(c);
       if
       :: L[c].tmr & G[c].vec -> G[c].step = TMR_SET
       :: else -> G[c].step = TMR_CLEAR
       fi;
       acted = 1
  :: else -> skip
  fi
}

inline react() {
  reactions = 0;
  do
  :: reactions == 32 -> break
  :: reactions < 32 ->
       acted = 0; c = 0;
       do
       :: c < 2 && !acted -> act(); c++
       :: c == 2 || acted -> break
       od;
       if
       :: acted -> reactions++
       :: else -> break
       fi
  od;
  reactions = 0; acted = 0; c = 0; v = 0
}

active proctype world() {
  do
  /* the driver programs the I/O APIC */
  :: d_step { writeRte(0, V64, 0, 1, 0); react() }
  :: d_step { writeRte(0, V64, 0, 0, 0); react() }
  :: d_step { writeRte(0, V64, 1, 1, 0); react() }
  :: d_step { writeRte(0, V64, 1, 0, 0); react() }
  :: d_step { writeRte(0, V80, 0, 1, 0); react() }
  :: d_step { writeRte(0, V80, 0, 0, 0); react() }
  :: d_step { writeRte(0, V80, 1, 1, 0); react() }
  :: d_step { writeRte(0, V80, 1, 0, 0); react() }
  :: d_step { writeRte(0, V64, 0, 1, 1); react() }
  :: d_step { writeRte(1, V64, 0, 1, 0); react() }
  :: d_step { writeRte(1, V64, 0, 0, 0); react() }
  :: d_step { writeRte(1, V64, 1, 1, 0); react() }
  :: d_step { writeRte(1, V64, 1, 0, 0); react() }
  :: d_step { writeRte(1, V80, 0, 1, 0); react() }
  :: d_step { writeRte(1, V80, 0, 0, 0); react() }
  :: d_step { writeRte(1, V80, 1, 1, 0); react() }
  :: d_step { writeRte(1, V80, 1, 0, 0); react() }
  :: d_step { writeRte(1, V64, 0, 1, 1); react() }
  /* the devices, and the clock (which changes nothing the key holds, but the guest reacts after it) */
  :: d_step { setLine(0, 1); react() }
  :: d_step { setLine(0, 0); react() }
  :: d_step { setLine(1, 1); react() }
  :: d_step { setLine(1, 0); react() }
  :: d_step { react() }
  od
}
