// Health checks: what "the application works" means for a pack (docs/health.md). One shape serves the
// manifest's signed `health` field, the install options and the trial record; one check of it says
// what is wrong with a value, so each reader turns that into its own code (PACK_INVALID, USAGE,
// JOURNAL_CORRUPT).

/** One check: a command (argv, no shell), an HTTP(S) URL that must answer 2xx, or a TCP `host:port` that must accept. */
export type HealthCheck = { cmd: string[] } | { url: string } | { tcp: string };

/**
 * A pack's (or an install's) checks and timing. Times are whole milliseconds (the manifest holds
 * integers only); each one left out takes its default (HEALTH_DEFAULTS).
 */
export interface PackHealth {
  checks: HealthCheck[];
  /** From the start of the trial to the first check. */
  delayMs?: number;
  /** From the start of one round of checks to the next. */
  periodMs?: number;
  /** How long every check must keep passing. */
  windowMs?: number;
  /** From the start of the trial to the moment it has failed if not confirmed. */
  deadlineMs?: number;
}

/** The timing of a trial, every value known. */
export type HealthTiming = Required<Omit<PackHealth, 'checks'>>;

/** Defaults (docs/health.md says why). */
export const HEALTH_DEFAULTS: HealthTiming = { delayMs: 2_000, periodMs: 1_000, windowMs: 10_000, deadlineMs: 60_000 };

/** A single check is killed after this long (or at the deadline, if that comes first). */
export const CHECK_TIMEOUT_MS = 5_000;

export const MAX_HEALTH_CHECKS = 64;
export const MAX_HEALTH_STRING_BYTES = 4096;
/** One day: a longer trial holds the target's lock for longer than any install should. */
export const MAX_HEALTH_MS = 86_400_000;

const TIMING_KEYS = ['delayMs', 'periodMs', 'windowMs', 'deadlineMs'] as const;

/** The kind of a check and its one-line description, e.g. `url http://127.0.0.1:8080/health`. */
export function describeCheck(c: HealthCheck): string {
  if ('cmd' in c) return `cmd ${JSON.stringify(c.cmd)}`;
  if ('url' in c) return `url ${c.url}`;
  return `tcp ${c.tcp}`;
}

/** The timing of `h` with every default filled in. */
export function timingOf(h: Omit<PackHealth, 'checks'>): HealthTiming {
  return {
    delayMs: h.delayMs ?? HEALTH_DEFAULTS.delayMs,
    periodMs: h.periodMs ?? HEALTH_DEFAULTS.periodMs,
    windowMs: h.windowMs ?? HEALTH_DEFAULTS.windowMs,
    deadlineMs: h.deadlineMs ?? HEALTH_DEFAULTS.deadlineMs,
  };
}

/** `host` and `port` of a `host:port` (an IPv6 address in brackets), or null when it is not one. */
export function splitHostPort(v: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]/]+)):(\d{1,5})$/.exec(v);
  if (m === null) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2]!, port };
}

/** What is wrong with `value` as a PackHealth, or undefined. `what` names it in the message. */
export function healthProblem(value: unknown, what: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${what} is not a JSON object`;
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) if (key !== 'checks' && !(TIMING_KEYS as readonly string[]).includes(key)) return `${what} has an unknown field "${key}"`;
  if (!Array.isArray(o.checks) || o.checks.length === 0) return `${what} "checks" is not a non-empty array`;
  if (o.checks.length > MAX_HEALTH_CHECKS) return `${what} has ${o.checks.length} checks, more than ${MAX_HEALTH_CHECKS}`;
  for (const [n, c] of (o.checks as unknown[]).entries()) {
    const problem = checkProblem(c);
    if (problem !== undefined) return `${what} check #${n}: ${problem}`;
  }
  for (const key of TIMING_KEYS) {
    if (!Object.hasOwn(o, key)) continue;
    const v = o[key];
    if (!Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > MAX_HEALTH_MS) return `${what} "${key}" is not an integer from 0 to ${MAX_HEALTH_MS}`;
  }
  if (o.periodMs === 0) return `${what} "periodMs" is 0: checks need time between rounds`;
  const t = timingOf(o as Omit<PackHealth, 'checks'>);
  if (t.delayMs + t.windowMs > t.deadlineMs) return `${what} can never pass: delay (${t.delayMs} ms) plus window (${t.windowMs} ms) is longer than the deadline (${t.deadlineMs} ms)`;
  return undefined;
}

function checkProblem(c: unknown): string | undefined {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return 'not a JSON object';
  const keys = Object.keys(c);
  if (keys.length !== 1 || !['cmd', 'url', 'tcp'].includes(keys[0]!)) return 'must have exactly one of "cmd", "url" or "tcp"';
  const o = c as Record<string, unknown>;
  if (keys[0] === 'cmd') {
    const argv = o.cmd;
    if (!Array.isArray(argv) || argv.length === 0 || argv.length > 256) return '"cmd" is not an array of 1 to 256 strings';
    for (const a of argv) {
      if (typeof a !== 'string' || a.includes('\0') || Buffer.byteLength(a) > MAX_HEALTH_STRING_BYTES) return `"cmd" has an argument that is not a string of at most ${MAX_HEALTH_STRING_BYTES} bytes without NUL`;
    }
    if (argv[0] === '') return '"cmd" has an empty program';
    return undefined;
  }
  const v = o[keys[0]!];
  if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v) > MAX_HEALTH_STRING_BYTES) return `"${keys[0]}" is not a string of 1 to ${MAX_HEALTH_STRING_BYTES} bytes`;
  if (keys[0] === 'tcp') return splitHostPort(v) === null ? `"tcp" ${JSON.stringify(v)} is not host:port (port 1 to 65535; an IPv6 address in brackets)` : undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return `"url" ${JSON.stringify(v)} is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"url" ${JSON.stringify(v)} is not http:// or https://`;
  return undefined;
}

/** `h` in canonical key order (checks, then the timing values present), for the manifest's bytes. */
export function canonicalHealth(h: PackHealth): object {
  const out: Record<string, unknown> = { checks: h.checks.map((c) => ('cmd' in c ? { cmd: c.cmd } : 'url' in c ? { url: c.url } : { tcp: c.tcp })) };
  for (const key of TIMING_KEYS) if (h[key] !== undefined) out[key] = h[key];
  return out;
}
