// The state directory `.servicepack/` is data, never a path to follow (docs/trust.md, "The state
// directory"). Before a command reads or changes it, `.servicepack` and the directories servicepack
// keeps in it are lstat'ed, never followed: each must be a real directory on the target's device, with
// no symlink among their entries, and, when the Platform says this process must be strict (root), owned
// by it and writable by nobody else. Removals re-check the way down right before they happen.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { checkBeneath } from '../fs/beneath.js';
import { listOrEmpty, lstatOrNull, removeTree } from '../fs/durable.js';
import { STATE_DIR_NAME, type Layout } from './layout.js';
import type { TxContext } from './tx-context.js';

/** The directories of `.servicepack/` whose entries are transactions' directories, tree listings or pinned keys. */
const KEPT_DIRS = ['staging', 'backup', 'trust', 'tree'] as const;

/**
 * Throws TARGET_UNSAFE unless `.servicepack`, its staging/, backup/, trust/ and tree/ directories and each
 * directory directly in them are real directories on the target's device and none of their entries is
 * a symlink; STATE_UNSAFE for one whose owner or mode the platform refuses. Missing ones are fine.
 */
export function checkStateDir(ctx: TxContext): void {
  const { layout } = ctx;
  const device = fs.statSync(layout.target).dev;
  const check = (rel: string): boolean => checkStateEntry(ctx, rel, device);
  if (!check(STATE_DIR_NAME)) return;
  entriesOf(layout, STATE_DIR_NAME);
  for (const sub of KEPT_DIRS) {
    const rel = `${STATE_DIR_NAME}/${sub}`;
    if (!check(rel)) continue;
    for (const name of entriesOf(layout, rel)) check(`${rel}/${name}`);
  }
}

/**
 * The subdirectories of `rel` (relative to the target); throws TARGET_UNSAFE for a symlink among its entries (a
 * file there is a record or clutter that clean-up removes; a link could lead a read or removal elsewhere).
 * Entries that vanish meanwhile (another command's temp file or clean-up) are skipped.
 */
function entriesOf(layout: Layout, rel: string): string[] {
  const dir = path.join(layout.target, rel);
  const dirs: string[] = [];
  for (const name of listOrEmpty(dir)) {
    const st = lstatOrNull(path.join(dir, name));
    if (st?.isSymbolicLink() === true) throw unsafe(layout, `${rel}/${name}`, 'is a symlink');
    if (st?.isDirectory() === true) dirs.push(name);
  }
  return dirs;
}

/**
 * Removes `rel` (relative to `.servicepack/`, as records name it) once the way down to it is checked
 * again: a `.servicepack` or subdirectory replaced by a symlink since checkStateDir is refused.
 */
export function removeStateTree(layout: Layout, rel: string): void {
  checkBeneath(layout.target, `${STATE_DIR_NAME}/${rel}`);
  removeTree(path.join(layout.dir, rel));
}

/**
 * USAGE when `file`, given by the user (a pack, a key file), lives inside the target's state
 * directory: servicepack removes what it finds there, and never what the user gave it.
 */
export function refuseInsideStateDir(layout: Layout, file: string): void {
  let real: string;
  let dir: string;
  try {
    real = fs.realpathSync(file);
    dir = fs.realpathSync(layout.dir);
  } catch (err) {
    if (hasErrno(err, 'ENOENT', 'ENOTDIR')) return; // a missing file is its reader's error; no state directory holds nothing
    throw err;
  }
  if (real !== dir && !real.startsWith(`${dir}${path.sep}`)) return;
  throw new ServicePackError('USAGE', `${file} lives in the target's state directory ${layout.dir}, where servicepack removes what it finds`, {
    hint: `Move it out of ${STATE_DIR_NAME}/ (anywhere outside the target's state directory), then run the command again with its new path.`,
    details: { argument: file },
  });
}

/** Checks one directory of the state; false when it does not exist. */
function checkStateEntry(ctx: TxContext, rel: string, device: number): boolean {
  const { layout } = ctx;
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path.join(layout.target, rel));
  } catch (err) {
    if (hasErrno(err, 'ENOENT')) return false;
    throw err;
  }
  if (st.isSymbolicLink()) throw unsafe(layout, rel, 'is a symlink');
  if (!st.isDirectory()) throw unsafe(layout, rel, 'is not a directory');
  if (st.dev !== device) throw unsafe(layout, rel, 'is on another file system');
  const problem = ctx.platform.stateDirProblem(st);
  if (problem !== null) {
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    throw new ServicePackError('STATE_UNSAFE', `refusing the state directory ${JSON.stringify(rel)} in ${layout.target}: ${problem} (owner uid ${st.uid}, mode ${mode})`, {
      hint: `Another user could steer what servicepack removes and renames through it. Check that nobody tampered with it; if it is genuine, run \`chown -R root: ${path.join(layout.target, STATE_DIR_NAME)} && chmod -R go-w ${path.join(layout.target, STATE_DIR_NAME)}\`.`,
      details: { target: layout.target, path: rel, uid: st.uid, mode, reason: problem },
    });
  }
  return true;
}

function unsafe(layout: Layout, rel: string, what: string): ServicePackError<'TARGET_UNSAFE'> {
  const reason = `${JSON.stringify(rel)} ${what}`;
  return new ServicePackError('TARGET_UNSAFE', `refusing the state directory of ${layout.target}: ${reason}`, {
    hint: 'Something in .servicepack/ is a symlink, not a directory, or a mount where servicepack keeps its own directories; it never follows one. Find out who created the named path, remove it, then run the command again.',
    details: { target: layout.target, path: rel, reason },
  });
}
