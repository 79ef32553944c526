// Scans a range of a pid list for holds on a set of files: reads /proc/PID/{maps,exe,cwd,root,fd/*} and
// matches device+inode. Only stat() and reads: nothing found is opened as code, executed or
// interpreted (needrestart's CVE-2024-48990 class). Processes may vanish or refuse (EACCES) at any
// point; both are counted, never fatal. Runs on the calling thread and on the scan's second thread alike.
import * as fs from 'node:fs';
// Not errors/index.js: the second thread loads this file, and the error table is not needed here.
import { hasErrno } from '../../errors/service-pack-error.js';
import { strongerHold, type FileKey, type HoldKind, type ProcessFacts, type ProcessHolds, type Uninspectable } from '../holds.js';
import { procReader, statOptions } from './proc-reader.js';

/** What one thread found in its share of the pids, in the order scanned. */
export interface ScanPart {
  found: ProcessHolds[];
  uninspectable: Uninspectable[];
  inspected: number;
  vanished: number;
}

/** Scans pids[from..to) into `part`. */
export type RangeScanner = (pids: readonly number[], from: number, to: number, part: ScanPart) => void;


class Denied extends Error {}
class Gone extends Error {}

/**
 * The st_dev of a stat as a number made of the "major:minor" that /proc/PID/maps prints (in hex):
 * major * 2^20 + minor (the kernel's minor has 20 bits).
 */
export function mapsDevice(dev: number): number {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return Number(major) * MINOR_SPAN + Number(minor);
}

const MINOR_SPAN = 2 ** 20;

/**
 * A scanner for `files`; with `facts`, each holding process's facts are read right after its holds
 * (a process gone by then holds nothing any more and is left out).
 */
export function rangeScanner(files: readonly FileKey[], facts?: (pid: number) => ProcessFacts | null, placesUnder?: string): RangeScanner {
  // Inode first, device second: most stats match no inode, and then no key string is built. One
  // index per device+inode (hard links: the last path listed), as for maps below.
  const byInode = new Map<number, number[]>();
  // For maps: device (as mapsDevice) -> inode -> index.
  const byDevice = new Map<number, Map<number, number>>();
  files.forEach((f, i) => {
    const same = byInode.get(f.ino)?.filter((j) => files[j]!.dev !== f.dev) ?? [];
    byInode.set(f.ino, [...same, i]);
    const key = mapsDevice(f.dev);
    let inodes = byDevice.get(key);
    if (inodes === undefined) byDevice.set(key, (inodes = new Map()));
    inodes.set(f.ino, i);
  });
  const readMaps = procReader();
  const holds = new Map<number, HoldKind>();
  const places: NonNullable<ProcessHolds['places']> = [];
  const prefix = placesUnder === undefined ? undefined : placesUnder.endsWith('/') ? placesUnder : `${placesUnder}/`;
  /** Adds `link` (a /proc/PID/{exe,cwd,root}) to `places` when it leads to placesUnder or below. */
  const addPlace = (link: string, kind: 'exe' | 'cwd' | 'root'): void => {
    const to = linkOf(link);
    // "<path> (deleted)": the file or directory is no longer at that path (unlinked, or renamed over and
    // kept only as a set-aside file, which device+inode finds): it is not a place in the tree.
    if (to === undefined || to.endsWith(DELETED)) return;
    if (to === placesUnder || to.startsWith(prefix!)) places.push({ kind, path: to });
  };
  const add = (index: number | undefined, kind: HoldKind): void => {
    if (index === undefined) return;
    const had = holds.get(index);
    if (strongerHold(kind, had)) holds.set(index, kind);
  };
  const addStat = (st: fs.Stats | undefined, kind: HoldKind): void => {
    if (st === undefined) return;
    const same = byInode.get(st.ino);
    if (same !== undefined) for (const i of same) if (files[i]!.dev === st.dev) return add(i, kind);
  };

  /** Fills `holds` for one process; throws Denied or Gone. */
  const readHolds = (pid: number): void => {
    const base = `/proc/${pid}`;
    // maps first: it answers "may we look at all?" for the whole process (the same ptrace check guards exe and fd).
    const maps = read(() => readMaps(`${base}/maps`));
    forEachMapped(maps, byDevice, (index) => add(index, 'mapped'));
    // A running executable is always mapped too, so exe needs a look only when some mapping matched.
    if (holds.size > 0) addStat(statOf(`${base}/exe`), 'exe');
    addStat(statOf(`${base}/cwd`), 'cwd');
    addStat(statOf(`${base}/root`), 'root');
    const fdDir = `${base}/fd/`;
    for (const fd of read(() => fs.readdirSync(fdDir))) addStat(statOf(fdDir + fd), 'fd');
    if (prefix !== undefined) {
      addPlace(`${base}/exe`, 'exe');
      addPlace(`${base}/cwd`, 'cwd');
      addPlace(`${base}/root`, 'root');
    }
  };

  return (pids, from, to, part) => {
    for (let k = from; k < to; k++) {
      const pid = pids[k]!;
      if (pid === process.pid) continue;
      holds.clear();
      places.length = 0;
      try {
        readHolds(pid);
      } catch (err) {
        if (err instanceof Denied) part.uninspectable.push({ pid, reason: 'permission' });
        else if (err instanceof Gone) part.vanished++;
        else throw err;
        continue;
      }
      part.inspected++;
      if (holds.size === 0 && places.length === 0) continue;
      const found: ProcessHolds = { pid, holds: [...holds].map(([index, kind]) => ({ index, kind })).sort((a, b) => a.index - b.index) };
      if (places.length > 0) found.places = [...places];
      if (facts !== undefined) {
        const f = facts(pid);
        if (f === null) continue;
        found.facts = f;
      }
      part.found.push(found);
    }
  };
}

/**
 * stat() through a /proc magic link; undefined when there is nothing (kernel thread, closed fd, a
 * process exiting). EACCES here, after maps was readable, means the process changed its credentials
 * mid-scan (exec of a setuid program): report it as uninspectable.
 */
function statOf(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p, statOptions);
  } catch (err) {
    if (hasErrno(err, 'EACCES', 'EPERM')) throw new Denied();
    if (hasErrno(err, 'ESRCH', 'ENOTDIR', 'ELOOP', 'ENXIO', 'EIO')) return undefined;
    throw err;
  }
}

const DELETED = ' (deleted)';

/** readlink() of a /proc magic link; undefined when there is nothing (kernel thread, a process exiting). */
function linkOf(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch (err) {
    if (hasErrno(err, 'EACCES', 'EPERM')) throw new Denied();
    if (hasErrno(err, 'ENOENT', 'ESRCH', 'ENOTDIR', 'ELOOP', 'ENXIO', 'EIO')) return undefined;
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
 * Calls `visit` with the index of every wanted file a maps line names. Each line is
 * "addr perms offset major:minor inode path"; the fields are walked byte by byte (Buffer.indexOf
 * with a needle per device measured 2-4x slower: it rebuilds its search table on every call).
 */
function forEachMapped(maps: Buffer, byDevice: Map<number, Map<number, number>>, visit: (index: number) => void): void {
  const n = maps.length;
  let i = 0;
  while (i < n) {
    for (let spaces = 0; spaces < 3 && i < n; i++) if (maps[i] === 0x20) spaces++;
    let major = 0;
    for (let c = maps[i]!; c !== 0x3a && i < n; c = maps[++i]!) major = major * 16 + hexValue(c);
    let minor = 0;
    for (let c = maps[++i]!; c !== 0x20 && i < n; c = maps[++i]!) minor = minor * 16 + hexValue(c);
    const inodes = major === 0 && minor === 0 ? undefined : byDevice.get(major * MINOR_SPAN + minor);
    if (inodes !== undefined) {
      let ino = 0;
      for (let c = maps[++i]!; c >= 0x30 && c <= 0x39; c = maps[++i]!) ino = ino * 10 + (c - 0x30);
      const index = inodes.get(ino);
      if (index !== undefined) visit(index);
    }
    const eol = maps.indexOf(0x0a, i);
    i = eol < 0 ? n : eol + 1;
  }
}

/** The value of one lower-case hex digit (maps prints them so). */
function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}
