// A channel file (a TUF target, channels/<name>.json): which version a channel's installations should
// run, how much of the fleet may take it now, whether the rollout is halted, versions every chain must
// pass through and versions no installation may land on. Parsing is strict: unknown shapes are refused.

export interface ChannelRecord {
  channel: string;
  product: string;
  version: string;
  /** 0-100: the share of machines admitted (by their stable bucket). */
  percent: number;
  halted: boolean;
  /** Keys the buckets: a new rollout id reshuffles which machines come first. */
  rollout: string;
  requiredStops: string[];
  pulled: string[];
}

/** Parses channel file bytes; throws an Error naming the first field that is wrong. */
export function parseChannel(bytes: Uint8Array): ChannelRecord {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new Error(`not JSON: ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
  const o = v as Record<string, unknown>;
  const str = (k: string): string => {
    const x = o[k];
    if (typeof x !== 'string' || x.length === 0 || x.length > 200) throw new Error(`${k} must be a non-empty string`);
    return x;
  };
  const list = (k: string): string[] => {
    const x = o[k];
    if (!Array.isArray(x) || x.length > 10_000 || !x.every((e) => typeof e === 'string' && e.length > 0 && e.length <= 200)) throw new Error(`${k} must be a list of version strings`);
    return x as string[];
  };
  const percent = o.percent;
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100) throw new Error('percent must be a number from 0 to 100');
  if (typeof o.halted !== 'boolean') throw new Error('halted must be true or false');
  return { channel: str('channel'), product: str('product'), version: str('version'), percent, halted: o.halted, rollout: str('rollout'), requiredStops: list('requiredStops'), pulled: list('pulled') };
}

export const channelBytes = (c: ChannelRecord): Buffer => Buffer.from(`${JSON.stringify(c, null, 1)}\n`);
