import { quirksOf, type VmmProfile } from '../model/vmms.js';

/** What the harness of one exported selftest is sized and configured for. */
export interface HarnessShape {
  /** vCPU ids 0..vcpus-1. */
  vcpus: number;
  /** I/O APIC pins. */
  pins: number;
  /** The trace's VMM profile: the userspace I/O APIC the host side plays. */
  vmm: VmmProfile;
}

/**
 * The host and guest helpers every exported selftest shares, in the style of tools/testing/selftests/kvm: the
 * VMM's userspace I/O APIC (the trace's VMM profile, written out from the model's pin machine), the vCPU run loop
 * that hands KVM_EXIT_IOAPIC_EOI and I/O APIC MMIO exits to it, and the checks of each step's exits and deliveries.
 */
export function selftestHarness({ vcpus, pins, vmm }: HarnessShape): string {
  const quirks = quirksOf(vmm);
  return `/* The harness every seoib export shares; helpers a trace does not need are __maybe_unused. */
#define NR_VCPUS ${vcpus}
#define NR_PINS ${pins}
#define IOAPIC_GPA 0xfec00000ULL
#define GP_VECTOR 13
/* The step number of a guest's report that it started; the trace's steps count from 1. */
#define GUEST_STARTED 0
/* More deliveries of one vector than this after one trace command (one device event) is a storm. */
#define STORM_BOUND 3

/* The VMM profile ${vmm.name}: ${vmm.description.replaceAll('*/', '* /')} */
#define IOAPIC_VERSION 0x${vmm.ioapicVersion.toString(16)}
#define EOI_RECHECKS_LINE ${quirks.eoiRechecksLine ? 1 : 0}
#define EDGE_SWITCH_CLEARS_REMOTE_IRR ${quirks.edgeSwitchClearsRemoteIrr ? 1 : 0}
#define THROTTLE_EOIS ${quirks.throttleEois}
#define THROTTLE_NS ${quirks.throttleNs}ULL

static struct kvm_vm *vm;
static struct kvm_vcpu *vcpus[NR_VCPUS];
static int vcpu_fds[NR_VCPUS] = { ${Array(vcpus).fill('-1').join(', ')} };
static bool started[NR_VCPUS];

/* The step being checked, for messages: "[command.reaction] command"; and the trace command it belongs to. */
static const char *step_name;
static const char *command_name;

/*
 * A finding: the kernel did what the trace found (an invariant the model finds violated there). It is reported
 * and counted, and the test goes on, so one run shows every finding of the trace; main() fails if any was made.
 * A check of a plain answer (TEST_ASSERT) stops the test instead: past it the kernel left the trace.
 */
static int nr_findings;

static void __printf(3, 4) finding(const char *where, bool holds, const char *fmt, ...)
{
\tva_list args;

\tif (holds)
\t\treturn;
\tnr_findings++;
\tprintf("seoib finding: %s: ", where);
\tva_start(args, fmt);
\tvprintf(fmt, args);
\tva_end(args);
\tprintf("\\n");
\tfflush(stdout);
}

/* ---- guest ---- */

static int irq_vector;

/* Records the vector and returns with interrupts off, so one window takes one interrupt. No EOI: the trace does. */
static void guest_irq_handler(struct ex_regs *regs)
{
\tWRITE_ONCE(irq_vector, regs->vector);
\tregs->rflags &= ~X86_EFLAGS_IF;
}

/* sti; nop; cli: the interrupt window of one guest.acceptInterrupt. */
static __maybe_unused int guest_accept_interrupt(void)
{
\tWRITE_ONCE(irq_vector, -1);
\tasm volatile("sti; nop; cli" ::: "memory");
\treturn READ_ONCE(irq_vector);
}

/* Masks both 8259s, as a guest using the I/O APIC does, so a low line does not also reach the BSP as ExtINT. */
static void guest_mask_8259(void)
{
\tasm volatile("outb %%al, $0x21; outb %%al, $0xa1" : : "a"(0xff));
}

static __maybe_unused void guest_ioapic_write(u32 offset, u32 value)
{
\tWRITE_ONCE(*(u32 *)(IOAPIC_GPA + offset), value);
}

/* ---- the VMM's userspace I/O APIC (split irqchip), from seoib's pin machine ---- */

struct vmm_pin {
\tu8 vector, dest;
\tbool level, masked, line, remote_irr;
\tint eoi_streak;
\tu64 throttle_ns;
};

/* Reset state of a redirection entry: masked, edge, vector 0. */
static struct vmm_pin pins[NR_PINS] = { [0 ... NR_PINS - 1] = { .masked = true } };
static u32 ioregsel;

/* An MSI route per written pin, as QEMU's split irqchip keeps them, committed on every RTE write. */
static void vmm_commit_routes(void)
{
\tstruct {
\t\tstruct kvm_irq_routing header;
\t\tstruct kvm_irq_routing_entry entries[NR_PINS];
\t} table;
\tint pin, n = 0;

\tmemset(&table, 0, sizeof(table));
\tfor (pin = 0; pin < NR_PINS; pin++) {
\t\tif (!pins[pin].vector)
\t\t\tcontinue;
\t\ttable.entries[n].gsi = pin;
\t\ttable.entries[n].type = KVM_IRQ_ROUTING_MSI;
\t\ttable.entries[n].u.msi.address_lo = 0xfee00000u | (pins[pin].dest << 12);
\t\ttable.entries[n].u.msi.data = pins[pin].vector | (pins[pin].level ? BIT(15) : 0);
\t\tn++;
\t}
\ttable.header.nr = n;
\tvm_ioctl(vm, KVM_SET_GSI_ROUTING, &table.header);
}

static void vmm_deliver(int pin)
{
\tkvm_irq_line(vm, pin, 1);
}

static void vmm_write_rte(int pin, u8 vector, u8 dest, bool level, bool masked)
{
\tstruct vmm_pin *p = &pins[pin];

\tp->vector = vector;
\tp->dest = dest;
\tp->level = level;
\tp->masked = masked;
\tvmm_commit_routes();
\tif (!p->remote_irr && level && !masked && p->line) {
\t\tp->remote_irr = true;
\t\tvmm_deliver(pin);
\t} else if (p->remote_irr && !level && EDGE_SWITCH_CLEARS_REMOTE_IRR) {
\t\tp->remote_irr = false;
\t}
}

static __maybe_unused void vmm_set_line(int pin, bool level)
{
\tstruct vmm_pin *p = &pins[pin];
\tbool rising = level && !p->line;

\tp->line = level;
\tif (p->remote_irr || !level || p->masked)
\t\treturn;
\tif (p->level) {
\t\tp->remote_irr = true;
\t\tvmm_deliver(pin);
\t} else if (rising) {
\t\tvmm_deliver(pin);
\t}
}

/* An EOI for @vector: KVM_EXIT_IOAPIC_EOI (broadcast) or the guest's write of the EOI register (directed). */
static void vmm_eoi(u8 vector, bool directed)
{
\tint pin;

\tfor (pin = 0; pin < NR_PINS; pin++) {
\t\tstruct vmm_pin *p = &pins[pin];

\t\tif (!p->remote_irr || (directed && IOAPIC_VERSION < 0x20))
\t\t\tcontinue;
\t\tif (p->vector != vector || !p->level)
\t\t\tcontinue;
\t\tif (p->line && !p->masked && EOI_RECHECKS_LINE) {
\t\t\tif (THROTTLE_EOIS && p->eoi_streak + 1 >= THROTTLE_EOIS) {
\t\t\t\tp->remote_irr = false;
\t\t\t\tp->eoi_streak = 0;
\t\t\t\tp->throttle_ns = THROTTLE_NS;
\t\t\t} else {
\t\t\t\tp->eoi_streak++;
\t\t\t\tvmm_deliver(pin);
\t\t\t}
\t\t\tcontinue;
\t\t}
\t\tp->remote_irr = false;
\t\tp->eoi_streak = 0;
\t}
}

/* Clock time passes: a throttled re-delivery comes due. */
static __maybe_unused void vmm_tick(u64 ns)
{
\tint pin;

\tfor (pin = 0; pin < NR_PINS; pin++) {
\t\tstruct vmm_pin *p = &pins[pin];

\t\tif (p->remote_irr || !p->throttle_ns)
\t\t\tcontinue;
\t\tif (ns < p->throttle_ns) {
\t\t\tp->throttle_ns -= ns;
\t\t\tcontinue;
\t\t}
\t\tp->throttle_ns = 0;
\t\tif (p->line && !p->masked && p->level) {
\t\t\tp->remote_irr = true;
\t\t\tvmm_deliver(pin);
\t\t}
\t}
}

static void vmm_mmio_write(u64 gpa, u32 value)
{
\tint pin = (ioregsel - 0x10) / 2;

\tif (gpa == IOAPIC_GPA) {
\t\tioregsel = value & 0xff;
\t} else if (gpa == IOAPIC_GPA + 0x40) {
\t\tvmm_eoi(value & 0xff, true);
\t} else if (gpa == IOAPIC_GPA + 0x10 && ioregsel >= 0x10 && pin < NR_PINS) {
\t\tif (ioregsel & 1)
\t\t\tvmm_write_rte(pin, pins[pin].vector, value >> 24, pins[pin].level, pins[pin].masked);
\t\telse
\t\t\tvmm_write_rte(pin, value & 0xff, pins[pin].dest, value & BIT(15), value & BIT(16));
\t}
}

/* ---- host: running guests and checking each step ---- */

static u32 exits[64];
static int nr_exits;
static u32 irr_before[NR_VCPUS][8];
static int storm_count[256];

static void read_irr(int vcpu, u32 irr[8])
{
\tstruct kvm_lapic_state lapic;
\tint w;

\tvcpu_ioctl(vcpus[vcpu], KVM_GET_LAPIC, &lapic);
\tfor (w = 0; w < 8; w++)
\t\tirr[w] = *(u32 *)&lapic.regs[0x200 + w * 16];
}

/* A trace command ends: no vector was delivered more often than the storm bound after it. */
static void end_command(void)
{
\tint v;

\tfor (v = 0; v < 256; v++)
\t\tfinding(command_name, storm_count[v] <= STORM_BOUND,
\t\t\t"no-storm: vector %d delivered %d times after one trace command (bound %d)", v, storm_count[v],
\t\t\tSTORM_BOUND);
\tmemset(storm_count, 0, sizeof(storm_count));
}

/* A trace command begins: the previous one ends, and the storm count starts afresh. */
static void begin_command(const char *name)
{
\tend_command();
\tcommand_name = name;
}

/* A step begins: its name for messages, no exits yet, and the IRRs that show its deliveries. */
static __maybe_unused void begin_step(const char *name, const int *lapic_vcpus)
{
\tint i;

\tstep_name = name;
\tnr_exits = 0;
\tfor (i = 0; lapic_vcpus[i] >= 0; i++)
\t\tread_irr(lapic_vcpus[i], irr_before[lapic_vcpus[i]]);
}

/* Runs vCPU @id until its guest reports @step, handing what exits to the VMM on the way to its I/O APIC. */
static struct ucall run_guest(int id, int step)
{
\tstruct kvm_vcpu *vcpu = vcpus[id];
\tstruct kvm_run *run = vcpu->run;
\tstruct ucall uc;

\tfor (;;) {
\t\tvcpu_run(vcpu);
\t\tif (run->exit_reason == KVM_EXIT_IOAPIC_EOI) {
\t\t\tTEST_ASSERT(nr_exits < 64, "%s: more than 64 EOI exits", step_name);
\t\t\texits[nr_exits++] = run->eoi.vector;
\t\t\tvmm_eoi(run->eoi.vector, false);
\t\t\tcontinue;
\t\t}
\t\tif (run->exit_reason == KVM_EXIT_MMIO) {
\t\t\tu32 value = 0;

\t\t\tif (run->mmio.is_write) {
\t\t\t\tmemcpy(&value, run->mmio.data, run->mmio.len < 4 ? run->mmio.len : 4);
\t\t\t\tvmm_mmio_write(run->mmio.phys_addr, value);
\t\t\t} else {
\t\t\t\tmemset(run->mmio.data, 0, sizeof(run->mmio.data));
\t\t\t}
\t\t\tcontinue;
\t\t}
\t\t/* The 8259 mask writes exit to userspace without an in-kernel PIC. */
\t\tif (run->exit_reason == KVM_EXIT_IO && !get_ucall(vcpu, NULL))
\t\t\tcontinue;
\t\tswitch (get_ucall(vcpu, &uc)) {
\t\tcase UCALL_SYNC:
\t\t\tTEST_ASSERT(uc.args[0] == (u64)step, "%s: vCPU %d reported step %lu", step_name, id,
\t\t\t\t    (unsigned long)uc.args[0]);
\t\t\treturn uc;
\t\tcase UCALL_ABORT:
\t\t\tREPORT_GUEST_ASSERT(uc);
\t\tdefault:
\t\t\tTEST_FAIL("%s: vCPU %d: unexpected exit %s", step_name, id, exit_reason_str(run->exit_reason));
\t\t}
\t}
}

/* A vCPU's first run: x2APIC mode where its CPUID allows it (KVM refuses it otherwise), then its guest masks the 8259s. */
static void start_guest(int id)
{
\t_vcpu_set_msr(vcpus[id], MSR_IA32_APICBASE,
\t\t      APIC_DEFAULT_GPA | MSR_IA32_APICBASE_ENABLE | MSR_IA32_APICBASE_EXTD |
\t\t      (id == 0 ? MSR_IA32_APICBASE_BSP : 0));
\tstarted[id] = true;
\trun_guest(id, GUEST_STARTED);
}

static __maybe_unused struct ucall guest_step(int id, int step)
{
\tif (!started[id])
\t\tstart_guest(id);
\treturn run_guest(id, step);
}

static bool listed(const int *list, int value)
{
\tint i;

\tfor (i = 0; list[i] >= 0; i++)
\t\tif (list[i] == value)
\t\t\treturn true;
\treturn false;
}

/*
 * A step ends: its EOI exits must be @want_exits, in order, and the vectors it newly made pending in some IRR
 * @want_deliveries (each list ends in -1; NULL: the trace says nothing). Every delivery counts towards the storm
 * bound of the trace command, checked when it ends.
 */
static __maybe_unused void end_step(const int *lapic_vcpus, const int *want_exits, const int *want_deliveries)
{
\tbool pending[256] = { false };
\tu32 irr[8];
\tint i, w, v;

\tif (want_exits) {
\t\tfor (i = 0; want_exits[i] >= 0; i++)
\t\t\tTEST_ASSERT(i < nr_exits && exits[i] == (u32)want_exits[i],
\t\t\t\t    "%s: EOI exit %d is %d, the trace expects vector %d", step_name, i,
\t\t\t\t    i < nr_exits ? (int)exits[i] : -1, want_exits[i]);
\t\tTEST_ASSERT(nr_exits == i, "%s: %d EOI exits, the trace expects %d", step_name, nr_exits, i);
\t}
\tfor (i = 0; lapic_vcpus[i] >= 0; i++) {
\t\tread_irr(lapic_vcpus[i], irr);
\t\tfor (w = 0; w < 8; w++)
\t\t\tfor (v = 0; v < 32; v++)
\t\t\t\tif ((irr[w] & ~irr_before[lapic_vcpus[i]][w]) & BIT(v))
\t\t\t\t\tpending[w * 32 + v] = true;
\t}
\tfor (v = 0; v < 256; v++) {
\t\tif (want_deliveries)
\t\t\tTEST_ASSERT(pending[v] == listed(want_deliveries, v),
\t\t\t\t    "%s: vector %d %s, the trace expects %s", step_name, v,
\t\t\t\t    pending[v] ? "delivered" : "not delivered", pending[v] ? "no delivery" : "a delivery");
\t\tif (pending[v])
\t\t\tstorm_count[v]++;
\t}
}

static __maybe_unused void expect_guest(struct ucall uc, int want_fault)
{
\tTEST_ASSERT(uc.args[1] == (u64)want_fault, "%s: the guest's fault is vector %lu, the trace expects %d",
\t\t    step_name, (unsigned long)uc.args[1], want_fault);
}

static __maybe_unused bool remote_irr(int pin, bool kernel_ioapic)
{
\tstruct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };

\tif (!kernel_ioapic)
\t\treturn pins[pin].remote_irr;
\tvm_ioctl(vm, KVM_GET_IRQCHIP, &chip);
\treturn chip.chip.ioapic.redirtbl[pin].fields.remote_irr;
}

static __maybe_unused u32 lapic_reg(int vcpu, int reg)
{
\tstruct kvm_lapic_state lapic;

\tvcpu_ioctl(vcpus[vcpu], KVM_GET_LAPIC, &lapic);
\treturn *(u32 *)&lapic.regs[reg];
}

static __maybe_unused bool exited(int vector)
{
\tint i;

\tfor (i = 0; i < nr_exits; i++)
\t\tif (exits[i] == (u32)vector)
\t\t\treturn true;
\treturn false;
}

static __maybe_unused int ret_of(int r)
{
\treturn r < 0 ? -errno : r;
}

/* KVM_SET_CPUID2 of the supported CPUID, with CPUID.1:ECX.x2APIC as the trace says. */
static __maybe_unused int set_cpuid(int fd, bool x2apic)
{
\tconst struct kvm_cpuid2 *supported = kvm_get_supported_cpuid();
\tstruct kvm_cpuid2 *cpuid = allocate_kvm_cpuid2(supported->nent);
\tint i, r;

\tmemcpy(cpuid, supported, kvm_cpuid2_size(supported->nent));
\tfor (i = 0; i < cpuid->nent; i++) {
\t\tif (cpuid->entries[i].function != 1)
\t\t\tcontinue;
\t\tif (x2apic)
\t\t\tcpuid->entries[i].ecx |= BIT(21);
\t\telse
\t\t\tcpuid->entries[i].ecx &= ~BIT(21);
\t}
\tr = ret_of(ioctl(fd, KVM_SET_CPUID2, cpuid));
\tfree(cpuid);
\treturn r;
}

/* KVM_GET_LAPIC, replace SPIV and the IRR/ISR/TMR bitmaps (vector lists ending in -1), KVM_SET_LAPIC. */
static __maybe_unused int set_lapic(int fd, u32 spiv, const int *irr, const int *isr, const int *tmr)
{
\tconst struct { const int *vectors; int base; } maps[] = { { irr, 0x200 }, { isr, 0x100 }, { tmr, 0x180 } };
\tstruct kvm_lapic_state lapic;
\tint m, w, r;

\tr = ret_of(ioctl(fd, KVM_GET_LAPIC, &lapic));
\tif (r)
\t\treturn r;
\t*(u32 *)&lapic.regs[0xf0] = spiv;
\tfor (m = 0; m < 3; m++) {
\t\tfor (w = 0; w < 8; w++)
\t\t\t*(u32 *)&lapic.regs[maps[m].base + w * 16] = 0;
\t\tfor (w = 0; maps[m].vectors[w] >= 0; w++)
\t\t\t*(u32 *)&lapic.regs[maps[m].base + (maps[m].vectors[w] >> 5) * 16] |= BIT(maps[m].vectors[w] & 31);
\t}
\treturn ret_of(ioctl(fd, KVM_SET_LAPIC, &lapic));
}

/*
 * A VM with guest memory, page tables, descriptor tables and ucall set up by the library, but no irqchip: the
 * trace creates it (split, in-kernel, or none). __vm_create() always makes an in-kernel one, so the VM fd is
 * released and opened again over the same memory, as kvm_vm_restart() does for migration tests.
 */
static struct kvm_vm *vm_create_without_irqchip(void)
{
\tstruct kvm_vm *vm = __vm_create(VM_SHAPE_DEFAULT, NR_VCPUS, 0);
\tint vector;

\tkvm_vm_release(vm);
\tvm->has_irqchip = false;
\tkvm_vm_restart(vm);
\tfor (vector = 32; vector < 256; vector++)
\t\tvm_install_exception_handler(vm, vector, guest_irq_handler);
\tvirt_pg_map(vm, IOAPIC_GPA, IOAPIC_GPA);
\tfor (vector = 0; vector < NR_PINS; vector++)
\t\tpins[vector].masked = true;
\treturn vm;
}
`;
}
