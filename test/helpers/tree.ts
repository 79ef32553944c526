// Declarative temp trees for tests (files, modes, symlinks, empty dirs), always cleaned up, and a
// whole-tree hash that compares content, owner exec bit, link targets and directories without following links.
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A file with an explicit mode (applied with chmod, so the umask does not matter). */
export interface FileWithMode {
  content: string | Buffer;
  mode: number;
}

/** A symbolic link; the target is stored as given. */
export interface SymlinkSpec {
  symlink: string;
}

/**
 * A directory: each name maps to file content, a nested directory ({} is an empty one), a symlink
 * or a file with a mode. An object whose only key is `symlink` (string), or whose keys are exactly
 * `content` and `mode`, is read as a symlink or a file, never as a directory.
 */
export interface TreeSpec {
  [name: string]: string | Buffer | TreeSpec | SymlinkSpec | FileWithMode;
}

export interface TreeOptions {
  /** Relative paths ('/'-separated) left out, with everything under them. */
  exclude?: string[];
}

const registry: string[] = [];

/** A new empty directory under the OS temp dir, removed by cleanupTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `servicepack-${prefix.endsWith('-') ? prefix : `${prefix}-`}`));
  registry.push(dir);
  return dir;
}

/** Removes every directory tempDir() made so far; call it from an `after` hook. */
export function cleanupTempDirs(): void {
  for (const dir of registry.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes `content` as `name` in a new temp dir (removed by cleanupTempDirs) and returns the file's path. */
export function tempFile(name: string, content: string | Buffer): string {
  const path = join(tempDir('file'), name);
  writeFileSync(path, content);
  return path;
}

/** Creates `spec` under `root` (a new temp dir if omitted) and returns the root. */
export function makeTree(spec: TreeSpec, root: string = tempDir('tree')): string {
  mkdirSync(root, { recursive: true });
  for (const [name, entry] of Object.entries(spec)) {
    const path = join(root, name);
    if (typeof entry === 'string' || Buffer.isBuffer(entry)) {
      writeFileSync(path, entry);
      chmodSync(path, 0o644);
    } else if (isSymlink(entry)) {
      symlinkSync(entry.symlink, path);
    } else if (isFileWithMode(entry)) {
      writeFileSync(path, entry.content);
      chmodSync(path, entry.mode);
    } else {
      makeTree(entry, path);
    }
  }
  return root;
}

/** The hex sha256 of a file's bytes. */
export function sha256OfFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** One line per entry, sorted by path: `<path> file 0755|0644 <sha256>`, `<path> symlink <target>`, `<path> dir`. */
export function describeTree(root: string, opts: TreeOptions = {}): string[] {
  const exclude = opts.exclude ?? [];
  const lines: string[] = [];
  const walk = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir)) {
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      if (exclude.some((e) => rel === e || rel.startsWith(`${e}/`))) continue;
      const path = join(dir, name);
      const st = lstatSync(path);
      if (st.isSymbolicLink()) lines.push(`${rel} symlink ${readlinkSync(path)}`);
      else if (st.isFile()) lines.push(`${rel} file ${st.mode & 0o100 ? '0755' : '0644'} ${sha256OfFile(path)}`);
      else if (st.isDirectory()) {
        lines.push(`${rel} dir`);
        walk(path, rel);
      } else throw new Error(`describeTree: ${path} is neither file, directory nor symlink`);
    }
  };
  walk(root, '');
  return lines.sort(comparePaths);
}

/** A single sha256 over describeTree(root, opts). */
export function hashTree(root: string, opts: TreeOptions = {}): string {
  return createHash('sha256').update(describeTree(root, opts).join('\n')).digest('hex');
}

function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isSymlink(entry: object): entry is SymlinkSpec {
  const keys = Object.keys(entry);
  return keys.length === 1 && keys[0] === 'symlink' && typeof (entry as SymlinkSpec).symlink === 'string';
}

function isFileWithMode(entry: object): entry is FileWithMode {
  const keys = Object.keys(entry).sort();
  const e = entry as FileWithMode;
  return keys.length === 2 && keys[0] === 'content' && keys[1] === 'mode' && typeof e.mode === 'number' &&
    (typeof e.content === 'string' || Buffer.isBuffer(e.content));
}
