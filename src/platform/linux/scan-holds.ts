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

/** The files of one device, as maps lines name them: " major:minor " followed by the inode. */
interface MapsDevice {
  needle: Buffer;
  byInode: Map<number, number>;
}

export function scanHolds(files: readonly FileKey[], pids?: readonly number[]): HoldScan {
  const byStat = new Map<string, number>();
  const devices = new Map<number, MapsDevice>();
  files.forEach((f, i) => {
    byStat.set(`${f.dev}:${f.ino}`, i);
    let d = devices.get(f.dev);
    if (d === undefined) devices.set(f.dev, (d = { needle: Buffer.from(` ${mapsDevice(f.dev)} `, 'latin1'), byInode: new Map() }));
    d.byInode.set(f.ino, i);
  });
  const byMaps = [...devices.values()];
  const reader = mapsReader();
  const found: ProcessHolds[] = [];
  const uninspectable: Uninspectable[] = [];
  let inspected = 0;
  let vanished = 0;
  for (const pid of pids ?? listPids()) {
    if (pid === process.pid) continue;
    try {
      const holds = holdsOf(pid, byStat, byMaps, reader);
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

function holdsOf(pid: number, byStat: Map<string, number>, byMaps: MapsDevice[], readMaps: (file: string) => Buffer): Map<number, HoldKind> {
  const holds = new Map<number, HoldKind>();
  const add = (index: number | undefined, kind: HoldKind): void => {
    if (index === undefined) return;
    const had = holds.get(index);
    if (had === undefined || strength[kind] > strength[had]) holds.set(index, kind);
  };
  const base = `/proc/${pid}`;
  // maps first: it answers "may we look at all?" for the whole process (the same ptrace check guards exe and fd).
  const maps = read(() => readMaps(`${base}/maps`));
  for (const d of byMaps) forEachInode(maps, d.needle, (ino) => add(d.byInode.get(ino), 'mapped'));
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
    if (hasErrno(err, 'ESRCH', 'ENOTDIR', 'ELOOP', 'ENXIO', 'EIO')) return undefined;
    throw err;
  }
}

function read<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ESRCH', 'EIO')) throw new Gone();
    if (hasErrno(err, 'EACCES', 'EPERM')) throw new Denied();
    throw err;
  }
}

/**
 * A maps file reader reusing one growing buffer: maps of thousands of processes are read without
 * allocating a string per line (the scan's main cost besides the kernel's own).
 */
function mapsReader(): (file: string) => Buffer {
  let buf = Buffer.allocUnsafe(64 * 1024);
  return (file) => {
    const fd = fs.openSync(file, 'r');
    try {
      let len = 0;
      for (;;) {
        if (len === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, len);
          buf = bigger;
        }
        const n = fs.readSync(fd, buf, len, buf.length - len, null);
        if (n === 0) return buf.subarray(0, len);
        len += n;
      }
    } finally {
      fs.closeSync(fd);
    }
  };
}

/**
 * Calls `visit` with the inode of every maps line on one device: each line is
 * "addr perms offset major:minor inode path", and `needle` is " major:minor ".
 */
function forEachInode(maps: Buffer, needle: Buffer, visit: (ino: number) => void): void {
  let pos = maps.indexOf(needle);
  while (pos >= 0) {
    let i = pos + needle.length;
    let ino = 0;
    for (let c = maps[i]!; c >= 48 && c <= 57; c = maps[++i]!) ino = ino * 10 + (c - 48);
    if (ino !== 0) visit(ino);
    pos = maps.indexOf(needle, i);
  }
}
