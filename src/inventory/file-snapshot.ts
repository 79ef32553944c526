// A file's whole content as the preflight read and hashed it, with the stamp of that version (device,
// inode, size, modification and change time, taken before the read). Staging decodes a delta against
// these very bytes instead of reading and hashing the file a second time, but only while the file shows
// no sign of having changed since; otherwise it reads it again (docs/architecture.md, "Decisions"). Where
// the platform has a background hasher, the preflight hashes each file on its thread while it reads the
// next (snapshotLater).
import * as fs from 'node:fs';
import { hasErrno } from '../errors/index.js';
import { sha256Hex } from '../format/hash.js';
import { BACKGROUND_HASH_MIN_BYTES, type BackgroundHasher } from '../platform/index.js';

export interface FileStamp {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface FileSnapshot {
  bytes: Buffer;
  sha256: string;
  stamp: FileStamp;
}

export const stampOf = (st: fs.BigIntStats): FileStamp => ({ dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs });

/** True when two stamps are of the same version of the same file: all five values equal. */
export const sameStamp = (a: FileStamp, b: FileStamp): boolean =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;

/**
 * Reads the regular file at `abs` whole and hashes what it read. The stamp is taken before the read, so
 * a write during or after it changes the change time (and usually more) against the stamp.
 */
export function snapshotFile(abs: string): FileSnapshot {
  const { bytes, stamp } = readStamped(abs);
  return { bytes, sha256: sha256Hex(bytes), stamp };
}

/** A snapshot whose hash may still be computed elsewhere (see snapshotLater). */
export interface LaterSnapshot {
  snapshot: FileSnapshot;
  /** Hashes the file here if the hasher has not begun it (true), or leaves it to the hasher (false). */
  takeBack(): boolean;
  /** Fills in the snapshot's sha256, waiting for the hasher if it still has it. */
  settle(): void;
}

/**
 * Like snapshotFile, but a file of BACKGROUND_HASH_MIN_BYTES or more is hashed by `hasher` while the caller
 * goes on (reading the next file): the snapshot's sha256 is empty until `settle`.
 */
export function snapshotLater(abs: string, hasher: BackgroundHasher): LaterSnapshot {
  const { bytes, stamp } = readStamped(abs);
  const snapshot = { bytes, sha256: '', stamp };
  const hashHere = (): void => void (snapshot.sha256 = sha256Hex(bytes));
  if (bytes.length < BACKGROUND_HASH_MIN_BYTES) {
    hashHere();
    return { snapshot, takeBack: () => true, settle: () => {} };
  }
  const job = hasher.addBuffer(bytes);
  let mine = false;
  return {
    snapshot,
    takeBack(): boolean {
      if (!mine && hasher.take(job)) {
        hashHere();
        mine = true;
      }
      return mine;
    },
    settle(): void {
      if (!mine) snapshot.sha256 = hasher.result(job).sha256;
    },
  };
}

function readStamped(abs: string): { bytes: Buffer; stamp: FileStamp } {
  const fd = fs.openSync(abs, 'r');
  try {
    const stamp = stampOf(fs.fstatSync(fd, { bigint: true }));
    return { bytes: readToEnd(fd, Number(stamp.size)), stamp };
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads from offset 0 to the end, expecting `size` bytes; a file that grew meanwhile is read whole. */
function readToEnd(fd: number, size: number): Buffer {
  const chunks: Buffer[] = [];
  let buf = Buffer.allocUnsafe(Math.max(size, 1));
  let len = 0;
  let pos = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, len, buf.length - len, pos);
    if (n === 0) break;
    len += n;
    pos += n;
    if (len === buf.length) {
      chunks.push(buf);
      buf = Buffer.allocUnsafe(1 << 20);
      len = 0;
    }
  }
  if (chunks.length === 1 && len === 0) return chunks[0]!;
  return Buffer.concat([...chunks, buf.subarray(0, len)]);
}

/** True when the path still names the version the snapshot was taken of: same stamp, found by lstat. */
export function isUnchanged(snapshot: FileSnapshot, abs: string): boolean {
  let st: fs.BigIntStats;
  try {
    st = fs.lstatSync(abs, { bigint: true });
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return false;
    throw err;
  }
  return st.isFile() && sameStamp(stampOf(st), snapshot.stamp);
}
