/** The runner could not carry out a request on the kernel (a guest that never came back, an unexpected exit). */
export class RunnerError extends Error {
  override name = 'RunnerError';
}
