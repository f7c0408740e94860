/** Which part of a campaign's rows this process runs: shard `index` (1-based) of `count`. */
export interface Shard {
  /** 1-based shard number. */
  index: number;
  /** Number of shards. */
  count: number;
}

export const WHOLE: Shard = { index: 1, count: 1 };

/** `K/N` as given to `--shard`; undefined when malformed or out of range. */
export function parseShard(text: string): Shard | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (match === null) return undefined;
  const shard = { index: Number(match[1]), count: Number(match[2]) };
  return shard.index >= 1 && shard.index <= shard.count ? shard : undefined;
}

/**
 * The shard of a Kubernetes Indexed Job pod as `K/N` (JOB_COMPLETION_INDEX is 0-based, JOB_COMPLETION_COUNT is set
 * by seoib's manifest), or undefined outside one. An index without a count, or one that is not a number, gives a
 * `K/N` that parseShard refuses: a pod must never run the whole campaign.
 */
export function shardFromEnvironment(env: NodeJS.ProcessEnv): string | undefined {
  const index = env.JOB_COMPLETION_INDEX;
  if (index === undefined) return undefined;
  return `${/^\d+$/.test(index) ? Number(index) + 1 : index}/${env.JOB_COMPLETION_COUNT ?? ''}`;
}

/** Positions (in the full selection) of the items this shard runs: every count-th, starting at index - 1. */
export function shardPositions(total: number, shard: Shard): number[] {
  const positions: number[] = [];
  for (let k = shard.index - 1; k < total; k += shard.count) positions.push(k);
  return positions;
}
