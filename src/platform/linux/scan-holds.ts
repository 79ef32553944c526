// Linux holder scan: reads /proc/PID/{exe,cwd,root,maps,fd/*} of every process and matches the
// device+inode of each against the wanted files. Only stat() and reads: nothing found is opened as
// code, executed or interpreted (needrestart's CVE-2024-48990 class). Processes may vanish or refuse
// (EACCES) at any point; both are counted, never fatal.
import * as fs from 'node:fs';
import { hasErrno } from '../../errors/index.js';
import type { FileKey, HoldKind, HoldScan, ProcessHolds, Uninspectable } from '../holds.js';

/** A process holding a file in several ways is reported once, with the strongest hold. */
const strength: Record<HoldKind, number> = { exe: 5, mapped: 4, fd: 3, root: 2, cwd: 1 };

class Denied extends Error {}
class Gone extends Error {}

/** The st_dev of a stat as /proc/PID/maps prints it: "major:minor" in hex, at least two digits each. */
export function mapsDevice(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}`;
}

export function scanHolds(files: readonly FileKey[], pids?: readonly number[]): HoldScan {
  const byStat = new Map<string, number>();
  const byMaps = new Map<string, number>();
  files.forEach((f, i) => {
    byStat.set(`${f.dev}:${f.ino}`, i);
    byMaps.set(`${mapsDevice(f.dev)} ${f.ino}`, i);
  });
  const found: ProcessHolds[] = [];
  const uninspectable: Uninspectable[] = [];
  let inspected = 0;
  let vanished = 0;
  for (const pid of pids ?? listPids()) {
    if (pid === process.pid) continue;
    try {
      const holds = holdsOf(pid, byStat, byMaps);
      inspected++;
      if (holds.size > 0) found.push({ pid, holds: [...holds].map(([index, kind]) => ({ index, kind })).sort((a, b) => a.index - b.index) });
    } catch (err) {
      if (err instanceof Denied) uninspectable.push({ pid, reason: 'permission' });
      else if (err instanceof Gone) vanished++;
      else throw err;
    }
  }
  return { found, uninspectable, inspected, vanished };
}

function listPids(): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}

function holdsOf(pid: number, byStat: Map<string, number>, byMaps: Map<string, number>): Map<number, HoldKind> {
  const holds = new Map<number, HoldKind>();
  const add = (index: number | undefined, kind: HoldKind): void => {
    if (index === undefined) return;
    const had = holds.get(index);
    if (had === undefined || strength[kind] > strength[had]) holds.set(index, kind);
  };
  const base = `/proc/${pid}`;
  // maps first: it answers "may we look at all?" for the whole process (the same ptrace check guards exe and fd).
  const maps = read(() => fs.readFileSync(`${base}/maps`, 'latin1'));
  forEachMapping(maps, (key) => add(byMaps.get(key), 'mapped'));
  // A running executable is always mapped too, so exe needs a look only when some mapping matched.
  if (holds.size > 0) {
    const exe = statOf(`${base}/exe`);
    if (exe !== undefined) add(byStat.get(`${exe.dev}:${exe.ino}`), 'exe');
  }
  for (const kind of ['cwd', 'root'] as const) {
    const st = statOf(`${base}/${kind}`);
    if (st !== undefined) add(byStat.get(`${st.dev}:${st.ino}`), kind);
  }
  const fds = read(() => fs.readdirSync(`${base}/fd`));
  for (const fd of fds) {
    const st = statOf(`${base}/fd/${fd}`);
    if (st !== undefined) add(byStat.get(`${st.dev}:${st.ino}`), 'fd');
  }
  return holds;
}

/**
 * stat() through a /proc magic link; undefined when there is nothing (kernel thread, closed fd, a
 * process exiting). EACCES here, after maps was readable, means the process changed its credentials
 * mid-scan (exec of a setuid program): report it as uninspectable.
 */
function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false });
  } catch (err) {
    if (hasErrno(err, 'EACCES', 'EPERM')) throw new Denied();
    if (hasErrno(err, 'ESRCH', 'ENOTDIR', 'ELOOP', 'ENXIO')) return undefined;
    throw err;
  }
}

function read<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ESRCH')) throw new Gone();
    if (hasErrno(err, 'EACCES', 'EPERM')) throw new Denied();
    throw err;
  }
}

/** Calls `visit` with "dev inode" of every file-backed line of a maps file ("addr perms offset dev inode path"). */
function forEachMapping(maps: string, visit: (key: string) => void): void {
  let start = 0;
  while (start < maps.length) {
    let end = maps.indexOf('\n', start);
    if (end < 0) end = maps.length;
    const s1 = maps.indexOf(' ', start);
    const s2 = maps.indexOf(' ', s1 + 1);
    const s3 = maps.indexOf(' ', s2 + 1);
    const s4 = maps.indexOf(' ', s3 + 1);
    const s5 = maps.indexOf(' ', s4 + 1);
    if (s5 > 0 && s5 < end && !(s5 === s4 + 2 && maps.charCodeAt(s4 + 1) === 48)) visit(maps.slice(s3 + 1, s5));
    start = end + 1;
  }
}
