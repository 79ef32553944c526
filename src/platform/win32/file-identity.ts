// A file's identity on Windows as Node's fs.statSync reports it: dev = the volume serial number,
// ino = the 64-bit file index. Read from an open handle (GetFileInformationByHandle), never from a path
// alone, so a file is recognised wherever it has moved on its volume.
import type { FileKey } from '../holds.js';
import { isHandle, win32 } from './win32-api.js';

const FILE_READ_ATTRIBUTES = 0x80;
const GENERIC_READ = 0x80000000;
/** Share read, write and delete: looking must never stop anyone else's open, rename or delete. */
const SHARE_ALL = 0x7;
const OPEN_EXISTING = 3;
/** Needed to open directories. */
const FILE_FLAG_BACKUP_SEMANTICS = 0x02000000;

/** The identity of the file or directory an open handle refers to, or null when it has none (a pipe, a console). */
export function keyOfHandle(handle: bigint): FileKey | null {
  const info = Buffer.alloc(52);
  if (!win32().GetFileInformationByHandle(handle, info)) return null;
  // BY_HANDLE_FILE_INFORMATION: dwVolumeSerialNumber at 28, nFileIndexHigh at 44, nFileIndexLow at 48.
  // Number() rounds a 64-bit index exactly as libuv's conversion to a double does in fs.statSync.
  const index = (BigInt(info.readUInt32LE(44)) << 32n) | BigInt(info.readUInt32LE(48));
  return { dev: info.readUInt32LE(28), ino: Number(index) };
}

/** Opens `path` (a Win32 path, file or directory) without blocking anyone; null when it cannot be opened. */
export function openForQuery(path: string, read = false): bigint | null {
  const h = win32().CreateFileW(path, read ? GENERIC_READ : FILE_READ_ATTRIBUTES, SHARE_ALL, null, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, null) as bigint | null;
  return isHandle(h) ? h : null;
}

/** The identity of what `path` names now, or null when nothing can be opened there. */
export function keyOfPath(path: string): FileKey | null {
  return withOpened(path, false, keyOfHandle);
}

/** `use` of a handle on `path` (opened for query, or also to read), closed after; null when it cannot be opened. */
function withOpened<T>(path: string, read: boolean, use: (handle: bigint) => T | null): T | null {
  const h = openForQuery(path, read);
  if (h === null) return null;
  try {
    return use(h);
  } finally {
    win32().CloseHandle(h);
  }
}

/** The first `length` bytes of the file at `path` (fewer at its end), or null when it cannot be read. */
export function readHead(path: string, length: number): Buffer | null {
  return withOpened(path, true, (h) => {
    const buf = Buffer.alloc(length);
    const read = [0];
    return win32().ReadFile(h, buf, length, read, null) ? buf.subarray(0, read[0]) : null;
  });
}

/**
 * The current path of the file with identity `key`, or null, trying each hint directory in turn.
 * OpenFileById takes any handle on the volume as its hint on Windows; Wine only searches below the
 * hint directory (a walk of that whole subtree).
 */
export function pathOfKey(key: FileKey, hints: readonly string[]): string | null {
  const api = win32();
  const id = Buffer.alloc(24);
  id.writeUInt32LE(24, 0); // dwSize; Type 0 = FileIdType, then the 64-bit index
  id.writeBigUInt64LE(BigInt(key.ino), 8);
  for (const hintPath of hints) {
    const hint = openForQuery(hintPath);
    if (hint === null) continue;
    try {
      if (keyOfHandle(hint)?.dev !== key.dev) continue;
      const h = api.OpenFileById(hint, id, FILE_READ_ATTRIBUTES, SHARE_ALL, null, FILE_FLAG_BACKUP_SEMANTICS) as bigint | null;
      if (!isHandle(h)) continue;
      try {
        const found = keyOfHandle(h);
        if (found === null || found.dev !== key.dev || found.ino !== key.ino) continue;
        return finalPath(h);
      } finally {
        api.CloseHandle(h);
      }
    } finally {
      api.CloseHandle(hint);
    }
  }
  return null;
}

/** The path an open handle names now, as a plain drive path (without the \\?\ prefix when it has one). */
export function finalPath(handle: bigint): string | null {
  const buf = Buffer.alloc(65536);
  const n = win32().GetFinalPathNameByHandleW(handle, buf, 32768, 0) as number;
  if (n === 0 || n >= 32768) return null;
  const path = buf.toString('utf16le', 0, n * 2);
  return path.startsWith('\\\\?\\') && path[5] === ':' ? path.slice(4) : path;
}

/** A Win32 path for an NT name as GetMappedFileNameW returns it (\Device\HarddiskVolume3\... or \??\C:\...). */
export function win32PathOfNtName(name: string): string {
  if (name.startsWith('\\??\\')) return `\\\\?\\${name.slice(4)}`;
  if (name.startsWith('\\Device\\')) return `\\\\?\\GLOBALROOT${name}`;
  return name;
}

/**
 * A drive path (C:\...) for a Win32 path that may name a volume device (\\?\GLOBALROOT\Device\...,
 * what win32PathOfNtName makes of GetMappedFileNameW's names on Windows): the file opened and asked its
 * final path. A path already on a drive is returned as it is; null when the file cannot be opened.
 */
export function drivePathOf(path: string): string | null {
  if (!/^\\\\\?\\GLOBALROOT\\/i.test(path)) return path;
  return withOpened(path, false, finalPath);
}
