/*
 * seoib-runner: issues KVM ioctls for seoib's TypeScript side and answers in JSON lines.
 *
 * One request per line on stdin, one answer per line on stdout, each prefixed with "@seoib " so it can be found
 * among kernel messages on a serial console. Requests (numbers in decimal):
 *   version                          -> {"release":"..."}
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
#include <sys/utsname.h>
#include <unistd.h>

#define MAX_VCPUS 8
#define KVM_CAP_X2APIC_API_NR 129
#define KVM_CAP_SPLIT_IRQCHIP_NR 121

static int kvm = -1;
static int vm = -1;
static int vcpus[MAX_VCPUS];

static int ret_of(int r) { return r < 0 ? -errno : r; }

/* The last answer, without the "@seoib " prefix; printed too unless seoib_quiet. */
static char seoib_answer[512];
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
    if (vcpus[i] >= 0) close(vcpus[i]);
    vcpus[i] = -1;
  }
  if (vm >= 0) close(vm);
  vm = -1;
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

static void handle(char *line) {
  char op[32] = "", a[256] = "", b[256] = "", c[256] = "", d[256] = "", e[256] = "";
  int n = sscanf(line, "%31s %255s %255s %255s %255s %255s", op, a, b, c, d, e);
  if (n < 1) return;
  if (strcmp(op, "version") == 0) {
    struct utsname u;
    uname(&u);
    answer("{\"release\":\"%s\"}", u.release);
  } else if (strcmp(op, "new_vm") == 0) {
    close_vm();
    vm = ioctl(kvm, KVM_CREATE_VM, 0);
    answer_ret(vm < 0 ? -errno : 0);
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
    if (fd >= 0 && id >= 0 && id < MAX_VCPUS) vcpus[id] = fd;
    answer_ret(fd < 0 ? -errno : 0);
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
