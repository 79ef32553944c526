// Holder source: the modules (EXE and DLLs) each process has loaded, by EnumProcessModulesEx. The
// first module is the process's executable ('exe'), the others are 'mapped'. A module is matched by
// the identity of its file, checked against the image in the process's memory, never by its name.
import type { FileKey } from '../holds.js';
import { drivePathOf, keyOfPath, readHead, win32PathOfNtName } from './file-identity.js';
import { findMovedImage, movedImageSearch } from './find-moved-image.js';
import { read } from './process-memory.js';
import type { ScanState } from './scan-state.js';
import { win32 } from './win32-api.js';

const LIST_MODULES_ALL = 3;
/** The part of an image compared with a file: DOS and PE headers, and the section table. */
const HEADER_BYTES = 1024;

/** The path each process's modules were loaded from, with their base addresses (main module first). */
export function scanModules(state: ScanState): void {
  const files = fileCache(state);
  for (const pid of state.pids) {
    const p = state.open(pid);
    if (p.handle === null) continue;
    const modules = listModules(p.handle);
    modules.forEach((base, i) => {
      const path = moduleFilePath(p.handle, base);
      if (path === null) return;
      let memory: Buffer | null | undefined;
      const image = () => (memory === undefined ? (memory = read(p.handle, base, HEADER_BYTES)) : memory);
      for (const key of files.identify(path, image)) state.add(pid, key, i === 0 ? 'exe' : 'mapped');
      // Running from placesUnder, by path: only while the file there is still the image (under Wine a
      // module renamed aside keeps its old name; the file now there is another one).
      if (i === 0 && state.placesUnder !== undefined) {
        const drive = drivePathOf(path);
        if (drive !== null && state.isUnder(drive) && files.isImageAt(path, image)) state.place(pid, 'exe', drive);
      }
    });
  }
}

function listModules(h: bigint): bigint[] {
  const api = win32();
  let mods = new BigUint64Array(256);
  for (;;) {
    const needed = [0];
    if (!api.EnumProcessModulesEx(h, mods, mods.byteLength, needed, LIST_MODULES_ALL)) return [];
    const n = (needed[0] as number) / 8;
    if (n <= mods.length) return Array.from(mods.subarray(0, n));
    mods = new BigUint64Array(n + 64);
  }
}

/**
 * The file a module was mapped from. GetMappedFileNameW names the mapped file as it is called now on
 * Windows (an NT path); Wine answers with the name it was loaded under, like GetModuleFileNameExW.
 */
function moduleFilePath(h: bigint, base: bigint): string | null {
  const api = win32();
  const buf = Buffer.alloc(65536);
  let n = api.GetMappedFileNameW(h, base, buf, 32768) as number;
  if (n > 0) return win32PathOfNtName(buf.toString('utf16le', 0, n * 2));
  n = api.GetModuleFileNameExW(h, base, buf, 32768) as number;
  return n > 0 ? buf.toString('utf16le', 0, n * 2) : null;
}

/**
 * Identifies module files, caching what one scan learns: the identity and headers of each path, and
 * the paths of the keys found by identity.
 *
 * A module's path is trusted only when the file there still has the image's headers. When it does not
 * (on Wine a renamed module keeps its old name; a replaced file has new headers), the module is looked
 * for among the keys instead (find-moved-image.ts): the files with the keys' identities below the
 * directories above the old path whose headers are the image's.
 */
function fileCache(state: ScanState) {
  const byPath = new Map<string, { key: FileKey | null; head: Buffer | null }>();
  const moved = movedImageSearch();
  const fileAt = (path: string) => {
    let f = byPath.get(path);
    if (f === undefined) {
      const key = keyOfPath(path);
      f = { key, head: null };
      byPath.set(path, f);
    }
    return f;
  };
  return {
    /** Whether the file at `path` has the headers of the loaded `image`. */
    isImageAt(path: string, image: () => Buffer | null): boolean {
      const memory = image();
      if (memory === null) return false;
      const f = fileAt(path);
      f.head ??= readHead(path, HEADER_BYTES);
      return f.head !== null && sameImage(memory, f.head);
    },
    identify(path: string, image: () => Buffer | null): FileKey[] {
      const f = fileAt(path);
      // A module on a volume with no key cannot be one of them, however it was renamed.
      if (f.key !== null && !state.volumes.has(f.key.dev)) return [f.key];
      const memory = image();
      if (memory === null) return f.key === null ? [] : [f.key];
      f.head ??= readHead(path, HEADER_BYTES);
      if (f.key !== null && f.head !== null && sameImage(memory, f.head)) return [f.key];
      return findMovedImage(state, moved, path, memory, sameImage, HEADER_BYTES);
    },
  };
}

/**
 * Whether a loaded image's first bytes are a file's: the loader maps the headers unchanged, except
 * that the PE optional header's ImageBase is rewritten when the image was relocated, so that field
 * (8 bytes at e_lfanew + 24 + 24 in a PE32+ image) is left out. Only SizeOfHeaders bytes are compared.
 */
export function sameImage(memory: Buffer, file: Buffer): boolean {
  if (file.length < 64 || memory.length < file.length || file.readUInt16LE(0) !== 0x5a4d) return false;
  const peOffset = file.readUInt32LE(0x3c);
  const optional = peOffset + 24;
  if (optional + 64 > file.length) return false;
  const imageBase = optional + 24;
  // Past SizeOfHeaders the file holds section data and memory the padding up to the first section.
  const n = Math.min(file.length, memory.length, file.readUInt32LE(optional + 60));
  for (let i = 0; i < n; i++) {
    if (i >= imageBase && i < imageBase + 8) continue;
    if (memory[i] !== file[i]) return false;
  }
  return true;
}
