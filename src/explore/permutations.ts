/** Every permutation of 0..n-1, each as an array mapping an old index to its new index; identity first. */
export function permutations(n: number): number[][] {
  // Stryker disable next-line EqualityOperator: n = 1 recursing gives [[0]] alike.
  if (n <= 1) return [Array.from({ length: n }, (_, i) => i)];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let at = rest.length; at >= 0; at--) out.push([...rest.slice(0, at), n - 1, ...rest.slice(at)]);
  }
  return out;
}

/** The inverse permutation: new index to old index. */
export function inverse(permutation: readonly number[]): number[] {
  // Stryker disable next-line ArrayDeclaration: every index is assigned below; the length only presizes.
  const out = new Array<number>(permutation.length);
  permutation.forEach((to, from) => {
    out[to] = from;
  });
  return out;
}
