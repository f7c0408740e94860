import { requestFor } from '../kvm/requests.js';
import type { Trace } from '../model/trace.js';
import { exportedSteps } from './exportedSteps.js';

const cString = (text: string) => `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/**
 * A C program that replays the trace's ioctls on /dev/kvm through the runner's own request handler
 * (src/kvm/runner.c, included) and compares every answer: exit 0 when all agree, 1 when one differs, 3 without
 * /dev/kvm.
 */
export function standaloneRepro(trace: Trace, file: string): string {
  const steps = exportedSteps(trace, file).map((step) => {
    const value =
      step.value === undefined ? '0, 0, 0' : `1, ${step.value.value >>> 0}u, ${step.value.mask >>> 0}u`;
    return `  {${cString(step.text)}, ${cString(requestFor(step.command) as string)}, ${step.ret}, ${value}},`;
  });
  const { kernel, vmm, guest } = trace.profile;
  return `/*
 * seoib standalone repro of ${file.replaceAll('*/', '* /')}
 * profile: kernel ${kernel}, VMM ${vmm}, guest ${guest}; ${steps.length} ioctls.
 * Each answer is compared with the trace's expect, or where it has none with the seoib model's observation.
 *
 * Build: cc -O2 -o repro repro.c -I <seoib>/src/kvm     Run: ./repro     Exit: 0 agree, 1 differ, 3 no /dev/kvm
 */
#define SEOIB_RUNNER_LIBRARY
#include "runner.c"

struct step {
  const char *command;
  const char *request;
  int ret;
  int check_value;
  unsigned value;
  unsigned mask;
};

static const struct step steps[] = {
${steps.join('\n')}
};

int main(void) {
  char line[1024];
  int failed = 0;
  seoib_quiet = 1;
  if (seoib_open() < 0) {
    printf("%s\\n", seoib_answer);
    return 3;
  }
  snprintf(line, sizeof line, "new_vm");
  handle(line);
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    const struct step *s = &steps[i];
    int ret = 0;
    unsigned value = 0;
    snprintf(line, sizeof line, "%s", s->request);
    handle(line);
    int fields = sscanf(seoib_answer, "{\\"ret\\":%d,\\"value\\":%u}", &ret, &value);
    int ok = fields >= 1 && ret == s->ret &&
             (!s->check_value || (fields == 2 && (value & s->mask) == (s->value & s->mask)));
    printf("%s [%zu] %s: expected ret %d", ok ? "ok      " : "MISMATCH", i, s->command, s->ret);
    if (s->check_value) printf(" value 0x%x under 0x%x", s->value, s->mask);
    printf(", kernel %s\\n", seoib_answer);
    failed |= !ok;
  }
  close_vm();
  close(kvm);
  return failed;
}
`;
}
