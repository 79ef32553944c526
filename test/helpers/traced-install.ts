// A real install by the CLI under strace: the pack built from two tree specs, installed onto a copy of
// the old tree with `strace -f` tracing the calls named by `trace`; the install must succeed and leave
// exactly the new tree. Callers read the log for what the install did.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI_PATH } from './cli-path.js';
import { copyOf, packFrom, testKey, treeOf } from './packs.js';
import { toolPath } from './tools.js';
import { tempDir, type TreeSpec } from './tree.js';

/** Installs `oldSpec` -> `newSpec` by the CLI under `strace -f -e trace=<trace>`: the target and the log. */
export async function tracedInstall(oldSpec: TreeSpec, newSpec: TreeSpec, trace: string): Promise<{ target: string; log: string }> {
  const { oldDir, newDir, pack } = await packFrom(oldSpec, newSpec);
  const target = copyOf(oldDir);
  const log = join(tempDir('strace'), 'strace.log');
  const r = spawnSync(toolPath('strace')!, ['-f', '-qq', '-o', log, '-e', `trace=${trace}`, process.execPath, CLI_PATH, 'install', pack, '--target', target, '--trusted-key', testKey.pub], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(treeOf(target), treeOf(newDir));
  return { target, log };
}
