// The work of install, status, uninstall, cleanup and recover follows the change, not the tree: the
// same one-file pack onto a managed 500-file and a managed 5,000-file target makes as many system
// calls, give or take a few, on the target's paths (counted with `strace -f -y`, the CLI run as a user runs it). A
// holder scan, a state record or a clean-up that lists the whole target would make the larger one cost
// at least 4,500 more, as verify, which must read every file, does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copyOf, packFrom, testKey } from './helpers/packs.js';
import { CLI_PATH } from './helpers/cli-path.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, tempDir, type TreeSpec } from './helpers/tree.js';

/** `dirs` directories of 100 files each, and `app/main.txt` whose content is `main`. */
function tree(dirs: number, main: string): TreeSpec {
  const spec: TreeSpec = { app: { 'main.txt': main } };
  for (let d = 0; d < dirs; d++) {
    const files: TreeSpec = {};
    for (let f = 0; f < 100; f++) files[`f${f}.txt`] = `file ${d}/${f}\n`;
    spec[`d${d}`] = files;
  }
  return spec;
}

/**
 * Runs the CLI under `strace -f -y` and counts the calls that name a path of the target, directly or
 * through a descriptor (`-y` prints a descriptor's path): stat, open, readlink, directory listings.
 * The holder scan's reads of /proc are per process, not per file of the target, and are left out (their
 * number follows what else runs on the machine).
 */
function counted(target: string, args: string[]): number {
  const out = join(tempDir('strace'), 'trace');
  const r = spawnSync('strace', ['-f', '-y', '-o', out, '-e', 'trace=%file,%desc', process.execPath, CLI_PATH, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return readFileSync(out, 'utf8').split('\n').filter((l) => l.includes(target) && !l.includes('/proc/')).length;
}

interface Sized {
  target: string;
  pack: string;
}

/** A managed target of `dirs` * 100 files at version 1.0 (its record made by a seed pack), and the pack 1.0 -> 2.0 changing one file. */
async function managed(dirs: number): Promise<Sized> {
  const seed = await packFrom(tree(dirs, 'main v0\n'), tree(dirs, 'main v1\n'), { from: '0.9', to: '1.0' });
  const { pack } = await packFrom(tree(dirs, 'main v1\n'), tree(dirs, 'main v2\n'));
  const target = copyOf(seed.oldDir);
  const r = spawnSync(process.execPath, [CLI_PATH, 'install', seed.pack, '--target', target, '--trusted-key', testKey.pub], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return { target, pack };
}

describe('work per change', { skip: needs('strace') }, () => {
  after(cleanupTempDirs);
  let small: Sized;
  let large: Sized;
  before(async () => {
    small = await managed(5);
    large = await managed(50);
  });

  const commands: [string, (s: Sized) => string[]][] = [
    ['status', (s) => ['status', '--target', s.target]],
    ['install --dry-run', (s) => ['install', s.pack, '--target', s.target, '--dry-run']],
    ['install', (s) => ['install', s.pack, '--target', s.target]],
    ['cleanup', (s) => ['cleanup', '--target', s.target]],
    ['recover', (s) => ['recover', '--target', s.target]],
    ['uninstall', (s) => ['uninstall', '--target', s.target]],
  ];

  it('status, install, cleanup, recover and uninstall touch the target as often on 5,000 files as on 500; verify reads every file', (t) => {
    const costs: string[] = [];
    for (const [name, args] of commands) {
      const a = counted(small.target, args(small));
      const b = counted(large.target, args(large));
      costs.push(`${name}: ${a} on 500 files, ${b} on 5,000`);
      // A read more or less of a record whose size depends on the paths' names, not one per file.
      assert.ok(Math.abs(b - a) <= 10, costs.join('; '));
    }
    // The control: verify compares every file with the record, so it must see the 4,500 more.
    const a = counted(small.target, ['verify', '--target', small.target]);
    const b = counted(large.target, ['verify', '--target', large.target]);
    costs.push(`verify: ${a} on 500 files, ${b} on 5,000`);
    assert.ok(b - a >= 4500, costs.join('; '));
    t.diagnostic(costs.join('; '));
  });
});
