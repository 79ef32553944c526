// A process's creation time (GetProcessTimes): with the pid it names one process, for lock staleness
// and for a holder's startedAt.
import { isHandle, win32 } from './win32-api.js';

const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
const SYNCHRONIZE = 0x00100000;
const WAIT_TIMEOUT = 0x102;

/**
 * The creation time of a live process as 100-ns intervals since 1601 (a FILETIME, exact), or null when
 * no such process runs: never existed, exited (a handle someone still holds keeps an exited process's
 * object, so the wait is what tells), or cannot be queried.
 */
export function processCreationTime(pid: number): bigint | null {
  const api = win32();
  const h = api.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, false, pid) as bigint | null;
  if (!isHandle(h)) return null;
  try {
    if (api.WaitForSingleObject(h, 0) !== WAIT_TIMEOUT) return null;
    const times = Buffer.alloc(32);
    if (!api.GetProcessTimes(h, times.subarray(0, 8), times.subarray(8, 16), times.subarray(16, 24), times.subarray(24, 32))) return null;
    return times.readBigUInt64LE(0);
  } finally {
    api.CloseHandle(h);
  }
}

/**
 * An opaque start-time token of a live process (its creation FILETIME in decimal), or null when no such
 * process runs. Windows reuses pids quickly; the creation time, exact to 100 ns, tells a new process
 * from the one that wrote a lock. It also differs across reboots: the clock moves on.
 */
export function processStartTokenWin32(pid: number): string | null {
  const t = processCreationTime(pid);
  return t === null ? null : `ft:${t}`;
}

/** A FILETIME (100-ns intervals since 1601-01-01 UTC) as milliseconds since the Unix epoch. */
export function fileTimeToMs(ft: bigint): number {
  return Number((ft - 116444736000000000n) / 10000n);
}
