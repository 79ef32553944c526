// Reads strace logs of the runner: which syscalls change disk state, where the operation's window is,
// and which call a kill hit. Only the main thread counts: the operation runs synchronously there, and
// strace counts `when=N` per thread.
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
  'fchmod', 'fchmodat', 'chmod', 'copy_file_range', 'sendfile', 'ftruncate', 'truncate',
] as const;

export interface Call {
  pid: number;
  name: string;
  args: string;
}

/** One place the operation can be killed: the `ordinal`-th call of `name` in the main thread. */
export interface CrashPoint {
  name: string;
  ordinal: number;
  /** Position among all main-thread disk calls of the window, for ordering and sampling. */
  seq: number;
  /** The call as logged, with run-specific parts (transaction ids, pids) normalized. */
  call: string;
  /** Main-thread opens under /proc before this call: the holder scan's share, which varies from run to run. */
  procOpens: number;
  /** For openat: the ordinal of every main-thread open that occurs once in the run, by normalized call. */
  openIndex?: Map<string, number>;
}

const LINE = /^(\d+) +([a-z0-9_]+)\((.*?)(?: <unfinished \.\.\.>|\) += .*)?$/;

const EVENTFD_WAKE = /^\d+, "\\1\\0\\0\\0\\0\\0\\0\\0", 8$/;

export function parseCalls(log: string): Call[] {
  const calls: Call[] = [];
  for (const line of log.split('\n')) {
    const m = LINE.exec(line);
    if (m !== null) calls.push({ pid: Number(m[1]), name: m[2]!, args: m[3]! });
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
  for (const c of calls) {
    if (c.pid !== pid) continue;
    if (c.name === 'openat' && c.args.includes('"/proc/')) procOpens++;
    const ordinal = (counts.get(c.name) ?? 0) + 1;
    counts.set(c.name, ordinal);
    if (c.name === 'write' && c.args.includes(WINDOW_BEGIN)) inside = true;
    else if (c.name === 'write' && c.args.includes(WINDOW_END)) break;
    else if (inside && c.name === 'write' && !EVENTFD_WAKE.test(c.args)) throw new Error(`a write(2) that is not an event-loop wake-up: ${c.args}`);
    else if (inside && isDiskChange(c)) points.push({ name: c.name, ordinal, seq: points.length, call: normalize(c), procOpens });
  }
  if (!inside) throw new Error('strace log: the window never began');
  const openIndex = uniqueOrdinals(calls.filter((c) => c.pid === pid && c.name === 'openat'));
  for (const p of points) if (p.name === 'openat') p.openIndex = openIndex;
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

/** The last main-thread call of `name` in a killed run's log and its ordinal: where the kill landed. */
export function killedCall(log: string, name: string): { ordinal: number; call: string; inWindow: boolean; procOpens: number } | null {
  const calls = parseCalls(log);
  const pid = mainPid(calls) ?? calls.at(-1)?.pid;
  let ordinal = 0;
  let last: Call | null = null;
  let inWindow = false;
  let procOpens = 0;
  for (const c of calls) {
    if (c.pid !== pid) continue;
    if (c.name === 'openat' && c.args.includes('"/proc/')) procOpens++;
    if (c.name === 'write' && c.args.includes(WINDOW_BEGIN)) inWindow = true;
    if (c.name === name) {
      ordinal++;
      last = c;
    }
  }
  return last === null ? null : { ordinal, call: normalize(last), inWindow, procOpens };
}
