// Reads strace logs of the runner: which syscalls change disk state, where the operation's window is,
// and which call a kill hit. Only the operation's thread counts (called the main thread below: the one
// that wrote the window's markers; the runner runs the operation on a worker thread, as the Promise API
// does): the operation runs synchronously there, and strace counts `when=N` per thread.
import { WINDOW_BEGIN, WINDOW_END } from './markers.js';

/**
 * Syscalls that change what is on disk (openat only with O_CREAT or O_TRUNC; see isDiskChange). Plain
 * write(2) is not among them: src/fs writes file data only with pwrite, while Node's main thread also
 * makes a timing-dependent number of write(2) calls to wake its event loop (an eventfd), which would make
 * write ordinals differ from run to run. crashPointsOf checks that no other write(2) is in the window.
 */
export const DISK_SYSCALLS = [
  'pwrite64', 'writev', 'pwritev', 'rename', 'renameat', 'renameat2', 'link', 'linkat', 'unlink', 'unlinkat',
  'mkdir', 'mkdirat', 'rmdir', 'symlink', 'symlinkat', 'fsync', 'fdatasync', 'openat', 'open', 'creat',
  'fchmod', 'fchmodat', 'chmod', 'fchown', 'fchownat', 'chown', 'lchown', 'copy_file_range', 'sendfile', 'ftruncate', 'truncate',
] as const;

export interface Call {
  pid: number;
  name: string;
  args: string;
  /** strace failed this call on purpose (`-e inject=...:error=...`). */
  injected: boolean;
}

/** One place the operation can be killed: the `ordinal`-th call of `name` in the main thread. */
export interface CrashPoint {
  name: string;
  ordinal: number;
  /** Position among all main-thread disk calls of the window, for ordering and sampling. */
  seq: number;
  /** The call as logged, with run-specific parts (transaction ids, pids) normalized. */
  call: string;
  /** Main-thread opens under /proc in the window before this call: the holder scan's share, which varies from run to run. */
  procOpens: number;
  /** Main-thread opens before the window: Node's start-up, whose count can differ by a few from run to run. */
  preWindowOpens: number;
  /** For openat: the ordinal of every main-thread open that occurs once in the run, by normalized call. */
  openIndex?: Map<string, number>;
  /** For openat: how many opens the main thread made in the whole counted run. */
  openTotal?: number;
  /** For openat: every main-thread open of the window in order (shared by the run's points), and this one's index in it. */
  windowOpens?: WindowOpen[];
  openPos?: number;
}

/** One open of the window: the normalized call, and whether it opened something under /proc. */
export interface WindowOpen {
  call: string;
  proc: boolean;
}

/**
 * Whether an openat is the holder scan's: a path under /proc (the JavaScript scan), or /proc itself and
 * a name relative to a directory descriptor (the native scan opens `/proc`, then `PID` in it, then `maps`,
 * `fd`, `stat`... in that: servicepack opens nothing else relative to a descriptor).
 */
export function isProcOpen(c: Pick<Call, 'args'>): boolean {
  return /^AT_FDCWD, "\/proc[/"]/.test(c.args) || /^\d+, "/.test(c.args);
}

const LINE = /^(\d+) +([a-z0-9_]+)\((.*?)(?: <unfinished \.\.\.>|\) += .*)?$/;

const EVENTFD_WAKE = /^\d+, "\\1\\0\\0\\0\\0\\0\\0\\0", 8$/;
/**
 * libuv's signal lock token (one `*` byte to its lock pipe), written around each child process a
 * health check starts and reaps: no file data (nor is the SIGCHLD message below).
 */
const SIGNAL_LOCK = /^\d+, "\*", 1$/;
/** libuv's SIGCHLD message to its loop (a handle pointer, then signal 17) when such a child ends. */
const SIGCHLD_MESSAGE = /^\d+, ".*\\21\\0\\0\\0\\0\\0\\0\\0", 16$/;

export function parseCalls(log: string): Call[] {
  const calls: Call[] = [];
  for (const line of log.split('\n')) {
    const m = LINE.exec(line);
    if (m !== null) calls.push({ pid: Number(m[1]), name: m[2]!, args: m[3]!, injected: line.endsWith('(INJECTED)') });
  }
  return calls;
}

export function isDiskChange(c: Call): boolean {
  if (c.name === 'openat' || c.name === 'open') return /O_CREAT|O_TRUNC/.test(c.args);
  return (DISK_SYSCALLS as readonly string[]).includes(c.name);
}

/** Transaction ids, pids in temp names and buffer contents differ from run to run; paths do not. */
export function normalize(c: Call): string {
  const args = c.args
    .replace(/\d{8}T\d{6}Z-[0-9a-f]{8}/g, 'TXID')
    .replace(/(tmp-|lock\.|stale-)\d+/g, '$1PID')
    .replace(/"[^"]*\/target(?=[/"])/g, '"TARGET');
  const pathBased = /"/.test(args.split(',')[0] ?? '') || /^AT_FDCWD/.test(args);
  return pathBased ? `${c.name}(${args})` : c.name;
}

/** The main thread: the one that wrote the window's begin marker (null if it never did). */
function mainPid(calls: Call[]): number | null {
  return calls.find((c) => c.name === 'write' && c.args.includes(WINDOW_BEGIN))?.pid ?? null;
}

/** Every disk-changing call of the main thread between the markers, with its per-syscall ordinal. */
export function crashPointsOf(log: string): CrashPoint[] {
  const calls = parseCalls(log);
  const pid = mainPid(calls);
  if (pid === null) throw new Error('strace log has no window marker: the runner failed before the operation');
  const counts = new Map<string, number>();
  const points: CrashPoint[] = [];
  let inside = false;
  let procOpens = 0;
  let preWindowOpens = 0;
  const windowOpens: WindowOpen[] = [];
  const openPos = new Map<CrashPoint, number>();
  for (const c of calls) {
    if (c.pid !== pid) continue;
    if (c.name === 'openat' && !inside) preWindowOpens++;
    if (c.name === 'openat' && inside) windowOpens.push({ call: normalize(c), proc: isProcOpen(c) });
    if (c.name === 'openat' && inside && isProcOpen(c)) procOpens++;
    const ordinal = (counts.get(c.name) ?? 0) + 1;
    counts.set(c.name, ordinal);
    if (c.name === 'write' && c.args.includes(WINDOW_BEGIN)) inside = true;
    else if (c.name === 'write' && c.args.includes(WINDOW_END)) break;
    else if (inside && c.name === 'write' && !EVENTFD_WAKE.test(c.args) && !SIGNAL_LOCK.test(c.args) && !SIGCHLD_MESSAGE.test(c.args)) throw new Error(`a write(2) that is not an event-loop wake-up: ${c.args}`);
    else if (inside && isDiskChange(c)) {
      const point: CrashPoint = { name: c.name, ordinal, seq: points.length, call: normalize(c), procOpens, preWindowOpens };
      if (c.name === 'openat') openPos.set(point, windowOpens.length - 1);
      points.push(point);
    }
  }
  if (!inside) throw new Error('strace log: the window never began');
  const mainOpens = calls.filter((c) => c.pid === pid && c.name === 'openat');
  const openIndex = uniqueOrdinals(mainOpens);
  for (const p of points) {
    if (p.name !== 'openat') continue;
    p.openIndex = openIndex;
    p.openTotal = mainOpens.length;
    p.windowOpens = windowOpens;
    p.openPos = openPos.get(p)!;
  }
  return points;
}

function uniqueOrdinals(calls: Call[]): Map<string, number> {
  const index = new Map<string, number>();
  const seen = new Set<string>();
  calls.forEach((c, n) => {
    const key = normalize(c);
    if (seen.has(key)) index.delete(key);
    else index.set(key, n + 1);
    seen.add(key);
  });
  return index;
}

/**
 * The last main-thread call of `name` in a killed run's log and its ordinal: where the kill landed; with
 * the run's opens before the window and its /proc opens in the window up to that call (as in CrashPoint).
 */
export interface KilledCall {
  ordinal: number;
  call: string;
  inWindow: boolean;
  procOpens: number;
  preWindowOpens: number;
  /** The window's opens up to and including the one killed (for openat). */
  windowOpens: WindowOpen[];
}

export function killedCall(log: string, name: string): KilledCall | null {
  return lastCall(log, name, false);
}

/** The call of `name` that strace failed on purpose, located like killedCall (the run goes on after it). */
export function injectedCall(log: string, name: string): KilledCall | null {
  return lastCall(log, name, true);
}

/** The main thread's last call of `name` (with `injected`: the one strace failed on purpose), with where it fell. */
function lastCall(log: string, name: string, injected: boolean): KilledCall | null {
  const calls = parseCalls(log);
  const pid = mainPid(calls) ?? calls.at(-1)?.pid;
  let ordinal = 0;
  let last: Call | null = null;
  let inWindow = false;
  let procOpens = 0;
  let preWindowOpens = 0;
  const windowOpens: WindowOpen[] = [];
  for (const c of calls) {
    if (c.pid !== pid) continue;
    if (c.name === 'openat' && !inWindow) preWindowOpens++;
    if (c.name === 'openat' && inWindow) windowOpens.push({ call: normalize(c), proc: isProcOpen(c) });
    if (c.name === 'openat' && inWindow && isProcOpen(c)) procOpens++;
    if (c.name === 'write' && c.args.includes(WINDOW_BEGIN)) inWindow = true;
    if (c.name === name) {
      ordinal++;
      last = c;
      if (injected && c.injected) break;
    }
  }
  if (injected && last !== null && !last.injected) last = null;
  return last === null ? null : { ordinal, call: normalize(last), inWindow, procOpens, preWindowOpens, windowOpens };
}

/**
 * Where to aim the next kill at the open `point`, after a kill at `ordinal` hit another open. The
 * window's opens outside /proc are the same in every run, so the hit is placed in the counted run's
 * window by how many of those preceded it (plus the /proc opens just before it), and the next ordinal is
 * moved by the distance from there to the point. Null when the two runs cannot be matched up.
 */
export function alignedOrdinal(point: CrashPoint, hit: KilledCall, ordinal: number): number | null {
  const counted = point.windowOpens;
  if (counted === undefined || point.openPos === undefined || !hit.inWindow || hit.windowOpens.length === 0) return null;
  const seen = hit.windowOpens;
  const fixed = seen.filter((o) => !o.proc).length;
  let trailingProc = 0;
  for (let k = seen.length - 1; k >= 0 && seen[k]!.proc; k--) trailingProc++;
  // The counted run's index of the `fixed`-th open outside /proc (-1 for none), then the /proc opens after it.
  let pos = -1;
  for (let k = 0, n = 0; k < counted.length && n < fixed; k++) {
    if (!counted[k]!.proc) {
      n++;
      pos = k;
    }
  }
  if (fixed > 0 && (pos < 0 || counted[pos]!.call !== seen.filter((o) => !o.proc).at(-1)!.call)) return null;
  let procAfter = 0;
  while (procAfter < trailingProc && pos + 1 < counted.length && counted[pos + 1]!.proc) {
    pos++;
    procAfter++;
  }
  return ordinal + (point.openPos - pos);
}

/**
 * Where to aim next when the runs cannot be lined up (alignedOrdinal gave null: an open outside /proc
 * came or went, or the hit's call occurs more than once): the hit is taken to be the occurrence of its
 * call in the counted run's window nearest to the point (a kill aimed at the point lands near it), and the
 * next ordinal is moved by the distance from there to the point. Null when the call is not in the window.
 */
export function nearestOrdinal(point: CrashPoint, hit: KilledCall, ordinal: number): number | null {
  const counted = point.windowOpens;
  if (counted === undefined || point.openPos === undefined || !hit.inWindow) return null;
  let best = -1;
  counted.forEach((o, k) => {
    if (o.call === hit.call && (best < 0 || Math.abs(k - point.openPos!) < Math.abs(best - point.openPos!))) best = k;
  });
  return best < 0 || best === point.openPos ? null : ordinal + (point.openPos - best);
}
