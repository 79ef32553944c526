// Entry path rules of docs/format.md 'Paths': safety checks, the canonical sort order, and the
// normalised form used to detect paths that collide on case-insensitive or normalising file systems.
import { packUnsafePath } from './pack-errors.js';

/** Servicepack's own state directory inside a target; no entry may name it or anything below it. */
export const STATE_DIR_NAME = '.servicepack';

const MAX_PATH_BYTES = 4096;
const MAX_COMPONENT_BYTES = 255;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Throws PACK_UNSAFE_PATH unless `path` is a safe, relative, '/'-separated entry path. */
export function checkEntryPath(path: string): void {
  const reason = unsafeReason(path);
  if (reason !== undefined) {
    throw packUnsafePath(path, reason);
  }
}

function unsafeReason(path: string): string | undefined {
  if (path.length === 0) return 'the path is empty';
  if (LONE_SURROGATE.test(path)) return 'the path is not valid Unicode';
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) return `the path is longer than ${MAX_PATH_BYTES} bytes`;
  if (path.includes('\0')) return 'the path contains a NUL character';
  if (path.includes('\\')) return 'the path contains a backslash';
  if (path.startsWith('/')) return 'the path is absolute';
  const components = path.split('/');
  const first = components[0] ?? '';
  if (first.includes(':')) return 'the first component contains a colon (drive letter)';
  if (foldPath(first) === STATE_DIR_NAME) return `the path is servicepack's own ${STATE_DIR_NAME} state directory or below it`;
  for (const component of components) {
    if (component === '') return 'the path has an empty component';
    if (component === '.' || component === '..') return `the path has a '${component}' component`;
    if (Buffer.byteLength(component, 'utf8') > MAX_COMPONENT_BYTES) {
      return `a component is longer than ${MAX_COMPONENT_BYTES} bytes`;
    }
  }
  return undefined;
}

/** Orders well-formed strings by their UTF-8 bytes (code point order), without encoding them. */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves UTF-16 surrogates above the rest of the BMP so code unit order becomes code point order. */
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** The parent of an entry path; '' for a top-level entry. */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** NFC-normalised, case-folded form of a path: two paths collide when their folded forms are equal. */
export function foldPath(path: string): string {
  return path.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}
