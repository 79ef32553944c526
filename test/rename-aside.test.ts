// The Windows set-aside (rename the old file aside, then rename the new one in), run on Linux where a
// kill lands at an exact rename: a crash between the two renames leaves the target path missing, and
// recover must put the old file back. And a rename refused with EBUSY (a bind mount here; a file open
// without delete sharing on Windows) is retried, then stops with FILE_IN_USE and an unchanged target.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installSync as install, recoverSync as recover, statusSync as status, verifySync as verify } from '../src/index.js';
import { linuxPlatform } from '../src/platform/linux/linux-platform.js';
import type { Platform } from '../src/platform/index.js';
import { assertSettled, killedAt, straceSkip } from './helpers/killed-at.js';
import { copyOf, expectCode, packFrom, treeOf, trusted } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { cleanupTempDirs } from './helpers/tree.js';

const renameAside = (delays: number[] = []): Platform => ({ ...linuxPlatform(), setAside: 'rename', inUseRetryDelaysMs: delays });
const index = new URL('../src/index.js', import.meta.url).href;
const linux = new URL('../src/platform/linux/linux-platform.js', import.meta.url).href;
const header = `import { installSync as install, uninstallSync as uninstall } from '${index}'; import { linuxPlatform } from '${linux}';
const platform = { ...linuxPlatform(), setAside: 'rename' };`;
const scripts = {
  install: `${header} install(process.argv[1], { target: process.argv[2], trustedKey: [process.argv[3]], platform }); console.log('done');`,
  uninstall: `${header} uninstall({ target: process.argv[2], platform }); console.log('done');`,
};

/** Runs the command with rename set-aside in a child that strace kills at the n-th rename(2); true if killed. */
const killedAtRename = (kind: keyof typeof scripts, n: number, pack: string, target: string): boolean => killedAt(scripts[kind], 'rename', n, pack, target);

describe('rename set-aside', () => {
  after(cleanupTempDirs);
  let oldDir = '';
  let newDir = '';
  let pack = '';
  before(async () => {
    ({ oldDir, newDir, pack } = await packFrom(flatOld, flatNew));
  });

  it('install killed at each rename: recover with rename set-aside leaves exactly the old or the new tree', { skip: straceSkip() }, () => {
    const outcomes = new Set<string>();
    let n = 1;
    for (; n < 60; n++) {
      const target = copyOf(oldDir);
      const killed = killedAtRename('install', n, pack, target);
      const platform = renameAside();
      outcomes.add(recover({ target, platform }).result.outcome);
      if (status({ target, platform }).version === '2.0') {
        assert.deepEqual(treeOf(target), treeOf(newDir), `n=${n}`);
        assert.equal(verify({ target, platform }).ok, true);
      } else {
        assert.deepEqual(treeOf(target), treeOf(oldDir), `n=${n}`);
      }
      assertSettled(target, renameAside());
      if (!killed) break;
    }
    // Every crash point between the two renames of a change was hit (the state's rename is the last one).
    assert.ok(n > 15, `only ${n} renames`);
    assert.deepEqual([...outcomes].sort(), ['nothing-to-do', 'rolled-back']);
  });

  it('uninstall killed at each rename: recover leaves exactly the installed or the old tree', { skip: straceSkip() }, () => {
    const outcomes = new Set<string>();
    for (let n = 1; n < 60; n++) {
      const target = copyOf(oldDir);
      const platform = renameAside();
      install(pack, { ...trusted, target, platform });
      const killed = killedAtRename('uninstall', n, pack, target);
      outcomes.add(recover({ target, platform }).result.outcome);
      const expected = status({ target, platform }).version === '1.0' ? oldDir : newDir;
      assert.deepEqual(treeOf(target), treeOf(expected), `n=${n}`);
      assertSettled(target, renameAside());
      if (!killed) break;
    }
    assert.ok(outcomes.has('rolled-back'), [...outcomes].join());
  });

  it('a rename refused with EBUSY is retried, then FILE_IN_USE names the file and the target is unchanged', { skip: process.getuid?.() !== 0 && 'bind mounts need root' }, () => {
    const target = copyOf(oldDir);
    const busy = join(target, 'bin/tool');
    // A file that is a mount point cannot be renamed (EBUSY): the stand-in for a file open without delete sharing.
    const mount = spawnSync('mount', ['--bind', busy, busy], { encoding: 'utf8' });
    if (mount.status !== 0) return void assert.fail(`mount --bind failed: ${mount.stderr}`);
    try {
      const before = treeOf(target);
      const started = Date.now();
      const err = expectCode('FILE_IN_USE', () => install(pack, { ...trusted, target, platform: renameAside([30, 60]) }));
      assert.ok(Date.now() - started >= 90, 'waited the retry delays');
      assert.deepEqual(err.details, { path: busy, errno: 'EBUSY', attempts: 3, waitedMs: 90 });
      assert.deepEqual(treeOf(target), before);
      // The failed first install removed .servicepack/ again: the target is exactly as it was found.
      assert.equal(existsSync(join(target, '.servicepack')), false);
    } finally {
      spawnSync('umount', [busy]);
    }
  });
});
