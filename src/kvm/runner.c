/*
 * seoib-runner: issues KVM ioctls for seoib's TypeScript side and answers in JSON lines.
 *
 * One request per line on stdin, one answer per line on stdout, each prefixed with "@seoib " so it can be found
 * among kernel messages on a serial console. Requests (numbers in decimal):
 *   version                          -> {"release":"...","backend":"kvm_intel|kvm_amd|kvm_pvm|unknown"}
 *   new_vm                           -> {"ret":0}           closes any VM and its vCPUs, opens a fresh one
 *   check_extension system|vm        -> {"ret":N}           KVM_CHECK_EXTENSION(KVM_CAP_X2APIC_API)
 *   create_irqchip                   -> {"ret":N}
 *   enable_cap split|x2apic ARG      -> {"ret":N}           KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP | KVM_CAP_X2APIC_API)
 *   create_vcpu ID                   -> {"ret":N}
 *   set_cpuid ID X2APIC              -> {"ret":N}           the supported CPUID with CPUID.1:ECX.x2APIC = X2APIC
 *   get_lapic ID REG                 -> {"ret":N,"value":V} one 32-bit register of KVM_GET_LAPIC
 *   set_lapic ID SPIV IRR ISR TMR    -> {"ret":N}           KVM_GET_LAPIC, replace SPIV and the vector bitmaps
 *                                                           (IRR/ISR/TMR: comma-separated vectors or "-"), KVM_SET_LAPIC
 *   stats                            -> {"fds":N,"rss_kb":N} the runner's open descriptors and resident memory
 * The guest (32-bit protected mode, flat segments, no paging, set up by the runner on a vCPU's first guest request;
 * x2APIC mode is switched on then through IA32_APIC_BASE when CPUID allows it). Each request runs the vCPU from a
 * small code snippet until it reports "done" on port 0x10; interrupts are enabled only inside guest_accept:
 *   guest_wrmsr ID MSR LO HI         -> {"ret":0,...}       WRMSR
 *   guest_rdmsr ID MSR               -> {"ret":0,"value":V,...}
 *   guest_accept ID                  -> {"ret":0,"vector":V|null,...}  sti; ...; cli: takes at most one interrupt
 *   guest_mmio ID ADDR VALUE         -> {"ret":0,...}       a 32-bit MMIO write (the I/O APIC at 0xfec00000)
 *   guest_init ID                    -> {"ret":0,...}       an INIT IPI to itself: KVM resets the vCPU (and its LAPIC).
 *                                                           The BSP restarts at the reset vector and reports back; an
 *                                                           AP waits for a SIPI (KVM_MP_STATE_INIT_RECEIVED), which
 *                                                           the runner stands in for as a VMM would, making it
 *                                                           runnable again. The next request sets the guest up again.
 *   every guest answer also carries "fault" (0 or the exception vector), "exits" (KVM_EXIT_IOAPIC_EOI vectors, in
 *   order) and "mmio" ([address, value] writes that exited to userspace, in order). A guest request stops at an
 *   MMIO write that exits to userspace, as a VMM's vCPU thread does, with "paused":1: the VMM handles the write
 *   (routes, interrupts), then
 *   guest_resume ID                  -> {"ret":0,...}       re-enters the vCPU, which finishes its request
 *   irq_line GSI LEVEL               -> {"ret":N}           KVM_IRQ_LINE_STATUS: its status, or the negated errno
 *   route GSI VECTOR DEST LEVEL      -> {"ret":N}           sets GSI's MSI route (physical DEST, level-triggered if
 *                                                           LEVEL) and commits every route with KVM_SET_GSI_ROUTING
 *   get_irr ID                       -> {"ret":N,"vectors":[...]}  the IRR of KVM_GET_LAPIC as a vector list
 * A failing ioctl answers its negated errno. Unknown requests answer {"error":"..."}.
 *
 * Built with -DSEOIB_RUNNER_LIBRARY it has no main(): a standalone repro (seoib export selftest --standalone)
 * includes it, calls seoib_open() and handle(), and reads each answer from seoib_answer.
 */
#include <errno.h>
#include <stdarg.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAX_VCPUS 8
#define KVM_CAP_X2APIC_API_NR 129
#define KVM_CAP_SPLIT_IRQCHIP_NR 121

static int kvm = -1;
static int vm = -1;
static int vcpus[MAX_VCPUS];
static struct kvm_run *runs[MAX_VCPUS];
static int started[MAX_VCPUS];
/* vCPUs stopped at an MMIO write, whose request guest_resume finishes. */
static int paused[MAX_VCPUS];
static size_t run_size;

/* Guest physical memory: GDT, IDT, interrupt stubs, the request snippets and one stack per vCPU. */
#define GUEST_MEM 0x10000
#define GDT 0x1000
#define IDT 0x2000
#define STUBS 0x3000
#define SNIPPET_WRMSR 0x4000
#define SNIPPET_RDMSR 0x4010
#define SNIPPET_ACCEPT 0x4020
#define SNIPPET_MMIO 0x4030
#define SNIPPET_MASK_PIC 0x4040
#define SNIPPET_INIT 0x4050
#define STACKS 0x8000
#define PORT_DONE 0x10
#define PORT_INTERRUPT 0x11
#define PORT_EXCEPTION 0x12
#define PORT_WINDOW 0x13
#define MAX_EXITS 64
#define MAX_ROUTES 24

static unsigned char *guest_mem;
/* The top 64 KiB below 4 GiB, where a vCPU restarts after INIT (CS base 0xffff0000, IP 0xfff0). */
#define RESET_BASE 0xffff0000u
#define RESET_SIZE 0x10000
static unsigned char *reset_mem;

/* MSI routes the VMM side asked for, by GSI; vector 0 means none. */
static struct { unsigned vector, dest, level; } routes[MAX_ROUTES];

static int ret_of(int r) { return r < 0 ? -errno : r; }

/* The last answer, without the "@seoib " prefix; printed too unless seoib_quiet. */
static char seoib_answer[4096];
static int seoib_quiet;

static void answer(const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(seoib_answer, sizeof seoib_answer, format, args);
  va_end(args);
  if (!seoib_quiet) printf("@seoib %s\n", seoib_answer);
}

static void answer_ret(int r) { answer("{\"ret\":%d}", r); }

static void close_vm(void) {
  for (int i = 0; i < MAX_VCPUS; i++) {
    if (runs[i]) munmap(runs[i], run_size);
    runs[i] = NULL;
    if (vcpus[i] >= 0) close(vcpus[i]);
    vcpus[i] = -1;
    started[i] = 0;
    paused[i] = 0;
  }
  memset(routes, 0, sizeof routes);
  if (vm >= 0) close(vm);
  vm = -1;
}

static void put(unsigned address, const unsigned char *bytes, size_t n) { memcpy(guest_mem + address, bytes, n); }

/* Fills guest memory once: flat GDT, an IDT whose stub for vector v reports v on port 0x11 and returns with
 * interrupts disabled (so one guest_accept takes one interrupt), or reports an exception on port 0x12. */
static void build_guest_image(void) {
  unsigned long long gdt[3] = {0, 0x00cf9a000000ffffULL, 0x00cf92000000ffffULL};
  put(GDT, (unsigned char *)gdt, sizeof gdt);
  for (unsigned v = 0; v < 256; v++) {
    unsigned stub = STUBS + v * 16;
    unsigned long long gate = (stub & 0xffffULL) | (0x08ULL << 16) | (0x8e00ULL << 32) |
                              ((unsigned long long)(stub >> 16) << 48);
    memcpy(guest_mem + IDT + v * 8, &gate, 8);
    if (v < 16) {
      unsigned char code[] = {0xb0, (unsigned char)v, 0xe6, PORT_EXCEPTION, 0xeb, 0xfe};
      put(stub, code, sizeof code);
    } else {
      /* mov al, v; out 0x11, al; pop eax; pop ecx; pop ecx; jmp eax: returns to the interrupted EIP with IF still
       * clear from the interrupt gate. Not IRET, which KVM's instruction emulator handles only in real mode, so the
       * stub also runs where KVM emulates the guest (PVM's batch emulation of a non-long-mode guest). */
      unsigned char code[] = {0xb0, (unsigned char)v, 0xe6, PORT_INTERRUPT, 0x58, 0x59, 0x59, 0xff, 0xe0};
      put(stub, code, sizeof code);
    }
  }
  unsigned char wrmsr[] = {0x0f, 0x30, 0xe6, PORT_DONE};
  unsigned char rdmsr[] = {0x0f, 0x32, 0xe6, PORT_DONE};
  /* sti; nop; out 0x13, al; nop; cli: on hardware the interrupt arrives after the STI shadow; an emulating backend
   * injects only at an entry, which the exit on port 0x13 gives it inside the window */
  unsigned char accept[] = {0xfb, 0x90, 0xe6, PORT_WINDOW, 0x90, 0xfa, 0xe6, PORT_DONE};
  unsigned char mmio[] = {0x89, 0x02, 0xe6, PORT_DONE}; /* mov [edx], eax */
  put(SNIPPET_WRMSR, wrmsr, sizeof wrmsr);
  put(SNIPPET_RDMSR, rdmsr, sizeof rdmsr);
  put(SNIPPET_ACCEPT, accept, sizeof accept);
  put(SNIPPET_MMIO, mmio, sizeof mmio);
  /* mov al, 0xff; out 0x21, al; out 0xa1, al: mask both 8259s, as a guest using the I/O APIC does, so a line below
   * 16 raised on the in-kernel irqchip does not also reach the BSP as ExtINT through LVT0 */
  unsigned char mask_pic[] = {0xb0, 0xff, 0xe6, 0x21, 0xe6, 0xa1, 0xe6, PORT_DONE};
  put(SNIPPET_MASK_PIC, mask_pic, sizeof mask_pic);
  unsigned char x2apic_icr_write[] = {0x0f, 0x30, 0xe6, PORT_DONE}; /* the INIT IPI: WRMSR, then wait at reset */
  put(SNIPPET_INIT, x2apic_icr_write, sizeof x2apic_icr_write);
  reset_mem[0xfff0] = 0xe6; /* out 0x10, al: real mode at the reset vector */
  reset_mem[0xfff1] = PORT_DONE;
}

static int open_vm(void) {
  vm = ioctl(kvm, KVM_CREATE_VM, 0);
  if (vm < 0) return -errno;
  struct kvm_userspace_memory_region region = {
      .slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM, .userspace_addr = (unsigned long)guest_mem};
  if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) return -errno;
  struct kvm_userspace_memory_region reset = {
      .slot = 1, .guest_phys_addr = RESET_BASE, .memory_size = RESET_SIZE, .userspace_addr = (unsigned long)reset_mem};
  if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &reset) < 0) return -errno;
  return 0;
}

static int vcpu_fd(long id) { return id >= 0 && id < MAX_VCPUS ? vcpus[id] : -1; }

static int set_cpuid(int fd, int x2apic) {
  int n = 128;
  struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(struct kvm_cpuid_entry2));
  cpuid->nent = n;
  int r = ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid);
  if (r < 0) {
    r = -errno;
    free(cpuid);
    return r;
  }
  for (unsigned i = 0; i < cpuid->nent; i++) {
    if (cpuid->entries[i].function == 1) {
      if (x2apic) cpuid->entries[i].ecx |= 1u << 21;
      else cpuid->entries[i].ecx &= ~(1u << 21);
    }
  }
  r = ret_of(ioctl(fd, KVM_SET_CPUID2, cpuid));
  free(cpuid);
  return r;
}

static void set_bits(char *regs, int base, const char *list) {
  for (int w = 0; w < 8; w++) memset(regs + base + w * 16, 0, 4);
  if (strcmp(list, "-") == 0) return;
  char copy[256];
  snprintf(copy, sizeof copy, "%s", list);
  for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
    int v = atoi(tok) & 255;
    unsigned *word = (unsigned *)(regs + base + (v >> 5) * 16);
    *word |= 1u << (v & 31);
  }
}

static int open_fds(void) {
  DIR *dir = opendir("/proc/self/fd");
  int n = 0;
  if (!dir) return -1;
  while (readdir(dir)) n++;
  closedir(dir);
  return n - 3; /* ".", ".." and the directory's own descriptor */
}

static long rss_kb(void) {
  FILE *status = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  if (!status) return -1;
  while (fgets(line, sizeof line, status))
    if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
  fclose(status);
  return kb;
}


static void flat_segment(struct kvm_segment *seg, unsigned selector, unsigned type) {
  *seg = (struct kvm_segment){.base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
                              .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1};
}

struct guest_result;
static int run_guest(long id, unsigned rip, unsigned long long rax, unsigned long long rcx, unsigned long long rdx,
                     struct guest_result *out);

/* A vCPU's first guest request: protected mode with flat segments, x2APIC mode where CPUID allows it, the 8259s
 * masked. */
static int start_guest(long id, struct guest_result *scratch) {
  struct kvm_sregs sregs;
  if (ioctl(vcpus[id], KVM_GET_SREGS, &sregs) < 0) return -errno;
  flat_segment(&sregs.cs, 0x08, 11);
  flat_segment(&sregs.ds, 0x10, 3);
  sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
  sregs.gdt.base = GDT;
  sregs.gdt.limit = 3 * 8 - 1;
  sregs.idt.base = IDT;
  sregs.idt.limit = 256 * 8 - 1;
  sregs.cr0 = (sregs.cr0 | 1) & ~0x80000000ULL;
  if (ioctl(vcpus[id], KVM_SET_SREGS, &sregs) < 0) return -errno;
  struct {
    struct kvm_msrs header;
    struct kvm_msr_entry entry;
  } apic_base = {{.nmsrs = 1}, {.index = 0x1b, .data = 0xfee00000ULL | 0xc00 | (id == 0 ? 0x100 : 0)}};
  ioctl(vcpus[id], KVM_SET_MSRS, &apic_base); /* refused without x2APIC in CPUID: the guest stays in xAPIC mode */
  /* An AP with an in-kernel LAPIC starts waiting for INIT/SIPI; the runner's guest runs on every vCPU at once. */
  struct kvm_mp_state runnable = {.mp_state = KVM_MP_STATE_RUNNABLE};
  if (ioctl(vcpus[id], KVM_SET_MP_STATE, &runnable) < 0) return -errno;
  started[id] = 1;
  return run_guest(id, SNIPPET_MASK_PIC, 0, 0, 0, scratch);
}

/* What one guest request saw while the vCPU ran. */
struct guest_result {
  int ret;
  unsigned long long rax, rdx;
  int vector; /* interrupt taken, or -1 */
  int fault;  /* exception vector, or 0 */
  int nexits, nmmio;
  int paused;        /* stopped at an MMIO write that exited to userspace; guest_resume finishes the request */
  const char *error; /* why the guest could not finish, or NULL */
  unsigned exits[MAX_EXITS];
  unsigned long long mmio[MAX_EXITS][2];
};

/* KVM_RUN of a guest request is interrupted (EINTR) after this long: a guest that never exits is an error. */
#define RUN_TIMEOUT_S 5
static volatile sig_atomic_t timed_out;
/* How long KVM_RUN may take now: RUN_TIMEOUT_S, or the short wait that shows an AP blocked after INIT. */
static void arm(unsigned ms) {
  struct itimerval timer = {.it_value = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000}};
  setitimer(ITIMER_REAL, &timer, NULL);
}
static unsigned run_timeout_ms = RUN_TIMEOUT_S * 1000;
static void on_alarm(int signal) {
  (void)signal;
  timed_out = 1;
}

static int run_vcpu(long id, unsigned rip, unsigned long long rax, unsigned long long rcx, unsigned long long rdx,
                    struct guest_result *out);
static int run_loop(long id, struct guest_result *out);

static int run_guest(long id, unsigned rip, unsigned long long rax, unsigned long long rcx, unsigned long long rdx,
                     struct guest_result *out) {
  int r = run_vcpu(id, rip, rax, rcx, rdx, out);
  arm(0);
  return r;
}

static int resume_guest(long id, struct guest_result *out) {
  memset(out, 0, sizeof *out);
  out->vector = -1;
  if (vcpu_fd(id) < 0 || !runs[id] || !paused[id]) return out->ret = -EINVAL;
  paused[id] = 0;
  int r = run_loop(id, out);
  arm(0);
  return r;
}

static int run_vcpu(long id, unsigned rip, unsigned long long rax, unsigned long long rcx, unsigned long long rdx,
                    struct guest_result *out) {
  memset(out, 0, sizeof *out);
  out->vector = -1;
  int fd = vcpu_fd(id);
  if (fd < 0 || !runs[id]) return out->ret = -EBADF;
  paused[id] = 0;
  if (!started[id]) {
    struct guest_result start = {0};
    int r = start_guest(id, &start);
    if (r < 0) {
      out->error = start.error;
      out->fault = start.fault;
      return out->ret = r;
    }
  }
  struct kvm_regs regs = {0};
  regs.rip = rip;
  regs.rsp = STACKS + (id + 1) * 0x400;
  regs.rflags = 0x2;
  regs.rax = rax;
  regs.rcx = rcx;
  regs.rdx = rdx;
  if (ioctl(fd, KVM_SET_REGS, &regs) < 0) return out->ret = -errno;
  return run_loop(id, out);
}

static int run_loop(long id, struct guest_result *out) {
  int fd = vcpus[id];
  struct kvm_regs regs;
  struct kvm_run *run = runs[id];
  timed_out = 0;
  arm(run_timeout_ms);
  for (int entries = 0; entries < 1000; entries++) {
    if (ioctl(fd, KVM_RUN, 0) < 0) {
      if (errno == EINTR && !timed_out) continue;
      arm(0);
      if (timed_out) out->error = "the vCPU did not come back from KVM_RUN";
      return out->ret = -errno;
    }
    if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT) {
      unsigned char al = *((unsigned char *)run + run->io.data_offset);
      if (run->io.port == PORT_INTERRUPT) {
        out->vector = al;
        continue;
      }
      if (run->io.port == PORT_EXCEPTION) out->fault = al;
      if (run->io.port == PORT_DONE || run->io.port == PORT_EXCEPTION) {
        if (ioctl(fd, KVM_GET_REGS, &regs) < 0) return out->ret = -errno;
        out->rax = regs.rax;
        out->rdx = regs.rdx;
        return out->ret = 0;
      }
      continue; /* the interrupt window's exit, and the 8259 mask writes without an in-kernel PIC */
    } else if (run->exit_reason == KVM_EXIT_IOAPIC_EOI) {
      if (out->nexits < MAX_EXITS) out->exits[out->nexits++] = run->eoi.vector;
      continue;
    } else if (run->exit_reason == KVM_EXIT_MMIO) {
      if (run->mmio.is_write && out->nmmio < MAX_EXITS) {
        unsigned value = 0;
        memcpy(&value, run->mmio.data, run->mmio.len < 4 ? run->mmio.len : 4);
        out->mmio[out->nmmio][0] = run->mmio.phys_addr;
        out->mmio[out->nmmio++][1] = value;
        out->paused = paused[id] = 1;
        return out->ret = 0;
      } else if (!run->mmio.is_write) {
        memset(run->mmio.data, 0, sizeof run->mmio.data);
      }
      continue;
    }
    out->error = "unexpected exit";
    out->fault = (int)run->exit_reason;
    return out->ret = -EIO;
  }
  out->error = "the guest did not finish its request";
  return out->ret = -EIO;
}

static void answer_guest(const struct guest_result *r, int with_value) {
  char exits[MAX_EXITS * 5 + 2] = "", mmio[MAX_EXITS * 28 + 2] = "", vector[12] = "null";
  size_t n = 0;
  for (int i = 0; i < r->nexits; i++) n += snprintf(exits + n, sizeof exits - n, "%s%u", i ? "," : "", r->exits[i]);
  n = 0;
  for (int i = 0; i < r->nmmio; i++)
    n += snprintf(mmio + n, sizeof mmio - n, "%s[%llu,%llu]", i ? "," : "", r->mmio[i][0], r->mmio[i][1]);
  if (r->error) {
    answer("{\"error\":\"guest: %s (exit reason %d)\"}", r->error, r->fault);
    return;
  }
  if (r->vector >= 0) snprintf(vector, sizeof vector, "%d", r->vector);
  answer("{\"ret\":%d,\"value\":%llu,\"vector\":%s,\"fault\":%d,\"exits\":[%s],\"mmio\":[%s],\"paused\":%d}",
         r->ret, with_value ? (r->rdx << 32) | (r->rax & 0xffffffffULL) : 0ULL, vector, r->fault, exits, mmio,
         r->paused);
}

static int commit_routes(void) {
  struct {
    struct kvm_irq_routing header;
    struct kvm_irq_routing_entry entries[MAX_ROUTES];
  } table;
  memset(&table, 0, sizeof table);
  unsigned n = 0;
  for (unsigned gsi = 0; gsi < MAX_ROUTES; gsi++) {
    if (routes[gsi].vector == 0) continue;
    struct kvm_irq_routing_entry *e = &table.entries[n++];
    e->gsi = gsi;
    e->type = KVM_IRQ_ROUTING_MSI;
    e->u.msi.address_lo = 0xfee00000u | (routes[gsi].dest << 12);
    e->u.msi.data = routes[gsi].vector | (routes[gsi].level ? 1u << 15 : 0);
  }
  table.header.nr = n;
  return ret_of(ioctl(vm, KVM_SET_GSI_ROUTING, &table));
}

static void answer_irr(long id) {
  struct kvm_lapic_state state;
  int fd = vcpu_fd(id);
  int r = fd < 0 ? -EBADF : ret_of(ioctl(fd, KVM_GET_LAPIC, &state));
  char list[256 * 4 + 2] = "";
  size_t n = 0;
  for (int v = 0; r == 0 && v < 256; v++) {
    unsigned word;
    memcpy(&word, state.regs + 0x200 + (v >> 5) * 16, 4);
    if (word & (1u << (v & 31))) n += snprintf(list + n, sizeof list - n, "%s%d", n ? "," : "", v);
  }
  answer("{\"ret\":%d,\"vectors\":[%s]}", r, list);
}

/* The vendor module behind /dev/kvm, as /sys/module names it. */
static const char *kvm_backend(void) {
  static const char *modules[] = {"kvm_intel", "kvm_amd", "kvm_pvm"};
  char path[64];
  for (unsigned i = 0; i < sizeof modules / sizeof *modules; i++) {
    snprintf(path, sizeof path, "/sys/module/%s", modules[i]);
    if (access(path, F_OK) == 0) return modules[i];
  }
  return "unknown";
}

static void handle(char *line) {
  char op[32] = "", a[256] = "", b[256] = "", c[256] = "", d[256] = "", e[256] = "";
  int n = sscanf(line, "%31s %255s %255s %255s %255s %255s", op, a, b, c, d, e);
  if (n < 1) return;
  if (strcmp(op, "version") == 0) {
    struct utsname u;
    uname(&u);
    answer("{\"release\":\"%s\",\"backend\":\"%s\"}", u.release, kvm_backend());
  } else if (strcmp(op, "new_vm") == 0) {
    close_vm();
    answer_ret(open_vm());
  } else if (strcmp(op, "check_extension") == 0) {
    answer_ret(ret_of(ioctl(strcmp(a, "vm") == 0 ? vm : kvm, KVM_CHECK_EXTENSION, KVM_CAP_X2APIC_API_NR)));
  } else if (strcmp(op, "create_irqchip") == 0) {
    answer_ret(ret_of(ioctl(vm, KVM_CREATE_IRQCHIP, 0)));
  } else if (strcmp(op, "enable_cap") == 0) {
    struct kvm_enable_cap cap = {0};
    cap.cap = strcmp(a, "split") == 0 ? KVM_CAP_SPLIT_IRQCHIP_NR : KVM_CAP_X2APIC_API_NR;
    cap.args[0] = strtoull(b, NULL, 10);
    answer_ret(ret_of(ioctl(vm, KVM_ENABLE_CAP, &cap)));
  } else if (strcmp(op, "create_vcpu") == 0) {
    long id = atol(a);
    int fd = ioctl(vm, KVM_CREATE_VCPU, id);
    int r = fd < 0 ? -errno : 0;
    if (fd >= 0 && id >= 0 && id < MAX_VCPUS) {
      vcpus[id] = fd;
      void *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      runs[id] = run == MAP_FAILED ? NULL : run;
    }
    answer_ret(r);
  } else if (strcmp(op, "set_cpuid") == 0) {
    int fd = vcpu_fd(atol(a));
    answer_ret(fd < 0 ? -EBADF : set_cpuid(fd, atoi(b)));
  } else if (strcmp(op, "get_lapic") == 0) {
    struct kvm_lapic_state state;
    int fd = vcpu_fd(atol(a));
    int r = fd < 0 ? -EBADF : ret_of(ioctl(fd, KVM_GET_LAPIC, &state));
    unsigned reg = (unsigned)atoi(b) & 0x3fc;
    unsigned value = 0;
    if (r == 0) memcpy(&value, state.regs + reg, 4);
    answer("{\"ret\":%d,\"value\":%u}", r, value);
  } else if (strcmp(op, "set_lapic") == 0) {
    struct kvm_lapic_state state;
    int fd = vcpu_fd(atol(a));
    int r = fd < 0 ? -EBADF : ret_of(ioctl(fd, KVM_GET_LAPIC, &state));
    if (r == 0) {
      unsigned spiv = (unsigned)strtoul(b, NULL, 10);
      memcpy(state.regs + 0xf0, &spiv, 4);
      set_bits(state.regs, 0x200, c);
      set_bits(state.regs, 0x100, d);
      set_bits(state.regs, 0x180, e);
      r = ret_of(ioctl(fd, KVM_SET_LAPIC, &state));
    }
    answer_ret(r);
  } else if (strcmp(op, "guest_wrmsr") == 0 || strcmp(op, "guest_rdmsr") == 0) {
    struct guest_result r;
    int write = op[6] == 'w';
    run_guest(atol(a), write ? SNIPPET_WRMSR : SNIPPET_RDMSR, strtoull(c, NULL, 10), strtoull(b, NULL, 10),
              strtoull(d, NULL, 10), &r);
    answer_guest(&r, !write);
  } else if (strcmp(op, "guest_accept") == 0) {
    struct guest_result r;
    run_guest(atol(a), SNIPPET_ACCEPT, 0, 0, 0, &r);
    answer_guest(&r, 0);
  } else if (strcmp(op, "guest_mmio") == 0) {
    struct guest_result r;
    run_guest(atol(a), SNIPPET_MMIO, strtoull(c, NULL, 10), 0, strtoull(b, NULL, 10), &r);
    answer_guest(&r, 0);
  } else if (strcmp(op, "guest_resume") == 0) {
    struct guest_result r;
    resume_guest(atol(a), &r);
    answer_guest(&r, 1);
  } else if (strcmp(op, "guest_init") == 0) {
    struct guest_result r;
    long id = atol(a);
    if (id != 0) {
      /* KVM_RUN blocks once the AP waits for a SIPI: a short timeout ends it, then the runner makes it runnable. */
      run_timeout_ms = 200;
      run_guest(id, SNIPPET_INIT, 0x4500, 0x830, (unsigned long long)id, &r);
      run_timeout_ms = RUN_TIMEOUT_S * 1000;
      if (r.fault != 0) {
        answer_guest(&r, 0);
        return;
      }
      struct kvm_mp_state mp = {0};
      if (ioctl(vcpus[id], KVM_GET_MP_STATE, &mp) < 0 || mp.mp_state != KVM_MP_STATE_INIT_RECEIVED) {
        answer("{\"error\":\"guest_init: the AP is not waiting for a SIPI after INIT (mp_state %u)\"}", mp.mp_state);
        return;
      }
      started[id] = 0;
      r.ret = 0;
      r.error = NULL;
      answer_guest(&r, 0);
      return;
    }
    /* x2APIC ICR: destination in bits 63:32, INIT (0x500) with level assert (0x4000) */
    run_guest(id, SNIPPET_INIT, 0x4500, 0x830, (unsigned long long)id, &r);
    started[id] = 0;
    struct kvm_regs regs; /* stopped on the reset vector's OUT, which KVM completes on the next KVM_RUN */
    if (r.ret == 0 && r.fault == 0 && (ioctl(vcpus[id], KVM_GET_REGS, &regs) < 0 || regs.rip != 0xfff0)) {
      struct kvm_mp_state mp = {0};
      ioctl(vcpus[id], KVM_GET_MP_STATE, &mp);
      answer("{\"error\":\"guest_init: the vCPU did not restart at the reset vector (rip 0x%llx, mp_state %u)\"}",
             (unsigned long long)regs.rip, mp.mp_state);
      return;
    }
    answer_guest(&r, 0);
  } else if (strcmp(op, "irq_line") == 0) {
    struct kvm_irq_level level = {.irq = (unsigned)atoi(a), .level = atoi(b)};
    int r = ret_of(ioctl(vm, KVM_IRQ_LINE_STATUS, &level));
    answer_ret(r < 0 ? r : level.status);
  } else if (strcmp(op, "route") == 0) {
    unsigned gsi = (unsigned)atoi(a);
    if (gsi >= MAX_ROUTES) {
      answer_ret(-EINVAL);
    } else {
      routes[gsi].vector = (unsigned)atoi(b) & 255;
      routes[gsi].dest = (unsigned)atoi(c) & 255;
      routes[gsi].level = (unsigned)atoi(d);
      answer_ret(commit_routes());
    }
  } else if (strcmp(op, "get_irr") == 0) {
    answer_irr(atol(a));
  } else if (strcmp(op, "stats") == 0) {
    answer("{\"fds\":%d,\"rss_kb\":%ld}", open_fds(), rss_kb());
  } else {
    answer("{\"error\":\"unknown request %s\"}", op);
  }
}

/* Opens /dev/kvm; 0 on success, else the answer says why. */
static int seoib_open(void) {
  for (int i = 0; i < MAX_VCPUS; i++) vcpus[i] = -1;
  kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0) {
    answer("{\"error\":\"/dev/kvm: %s\"}", strerror(errno));
    return -1;
  }
  run_size = (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  struct sigaction alarm_action = {.sa_handler = on_alarm}; /* no SA_RESTART: KVM_RUN returns EINTR */
  sigaction(SIGALRM, &alarm_action, NULL);
  guest_mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  reset_mem = mmap(NULL, RESET_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (guest_mem == MAP_FAILED || reset_mem == MAP_FAILED) {
    answer("{\"error\":\"guest memory: %s\"}", strerror(errno));
    return -1;
  }
  build_guest_image();
  return 0;
}

#ifndef SEOIB_RUNNER_LIBRARY
int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (seoib_open() < 0) return 3;
  printf("@seoib {\"ready\":true}\n");
  char line[1024];
  while (fgets(line, sizeof line, stdin)) {
    if (strncmp(line, "quit", 4) == 0) break;
    handle(line);
  }
  close_vm();
  close(kvm);
  return 0;
}
#endif
