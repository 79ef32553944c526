// Real faults on real file systems (root only): a full tmpfs, a tmpfs out of inodes, a directory the
// user may not write, a file system remounted read-only mid-commit, an immutable file, a mount inside
// the target. Each fails with its code naming the path and leaves exactly the old tree.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupTempDirs } from '../helpers/tree.js';
import { assertFailed, assertNothingLeft, freshTarget, pointsOf, runRunner, settleTo } from './fault-check.js';
import { startRunner } from './inject.js';
import { openMedium, powerLossUnavailable, straceUnavailable } from './media.js';
import { makeScenarios, type Scenario } from './scenarios.js';
import type { CrashPoint } from './strace-log.js';

const skip = straceUnavailable() ?? powerLossUnavailable() ?? false;
const sh = (cmd: string, ...args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' });

/** A tmpfs with `options`, unmounted and removed by the returned function. */
function tmpfs(options: string): { dir: string; close: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'servicepack-tmpfs-'));
  sh('mount', '-t', 'tmpfs', '-o', options, 'tmpfs', dir);
  chmodSync(dir, 0o755);
  return { dir, close: () => { sh('umount', dir); rmSync(dir, { recursive: true, force: true }); } };
}

async function waitFor(path: string, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) if (existsSync(path)) return;
  assert.fail(`${path} did not appear`);
}

describe('real faults', { skip }, () => {
  let install: Scenario;
  let points: CrashPoint[] = [];
  before(async () => {
    install = (await makeScenarios(2)).find((s) => s.op === 'install')!;
    points = await pointsOf(install);
  });
  after(cleanupTempDirs);
  const firstSetAside = (): CrashPoint => {
    const journal = points.find((p) => p.name === 'rename' && /journal\.json"\)$/.test(p.call))!;
    return points.find((p) => p.name === 'link' && p.seq > journal.seq)!;
  };

  it('a file system too small for the staged files: NO_SPACE before anything is written', async () => {
    const fs = tmpfs('size=1m');
    try {
      const target = freshTarget(install, fs.dir);
      const r = await runRunner(['install', target, ...install.args]);
      assertFailed(r, 'NO_SPACE');
      assertNothingLeft(target);
      await settleTo(install, target, 'old');
    } finally {
      fs.close();
    }
  });

  it('running out of inodes while staging: IO_FAILED ENOSPC naming the path, staging removed', async () => {
    const fs = tmpfs('size=64m,nr_inodes=120');
    try {
      const target = freshTarget(install, fs.dir);
      const r = await runRunner(['install', target, ...install.args]);
      const { path } = assertFailed(r, 'IO_FAILED', 'ENOSPC');
      assert.ok(path.startsWith(join(target, '.servicepack')), path);
      assertNothingLeft(target);
      await settleTo(install, target, 'old');
    } finally {
      fs.close();
    }
  });

  it('a directory the user may not write: IO_FAILED EACCES naming it, rolled back', async () => {
    const root = mkdtempSync(join(tmpdir(), 'servicepack-eacces-'));
    try {
      chmodSync(root, 0o755);
      const target = freshTarget(install, root);
      const pack = join(root, 'sp.svp');
      const key = join(root, 'test.pub');
      cpSync(install.args[0]!, pack);
      cpSync(install.args[1]!, key);
      sh('chown', '-R', '65534:65534', target, pack, key);
      chmodSync(join(target, 'app/mod1'), 0o555);
      const r = await runRunner(['install', target, pack, key], [], 65534);
      const { path } = assertFailed(r, 'IO_FAILED', 'EACCES');
      assert.ok(path.includes('app/mod1'), path);
      chmodSync(join(target, 'app/mod1'), 0o755);
      assertNothingLeft(target);
      await settleTo(install, target, 'old');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('remounted read-only mid-commit: RECOVERY_NEEDED (exit 4), then recover restores the old tree', async () => {
    const fs = tmpfs('size=64m');
    try {
      const target = freshTarget(install, fs.dir);
      const p = firstSetAside();
      const { done } = startRunner(['install', target, ...install.args], [`inject=link:delay_enter=1500000:when=${p.ordinal}`]);
      await waitFor(join(target, '.servicepack/journal.json'), 10_000);
      sh('mount', '-o', 'remount,ro', fs.dir);
      const r = await done;
      assertFailed(r, 'RECOVERY_NEEDED');
      sh('mount', '-o', 'remount,rw', fs.dir);
      const settled = await settleTo(install, target, 'old');
      assert.equal(settled.recovered, 'rolled-back');
    } finally {
      fs.close();
    }
  });

  it('an immutable file (chattr +i) on ext4: IO_FAILED EPERM naming it, rolled back', async () => {
    const medium = openMedium('ext4');
    try {
      const target = freshTarget(install, medium.root);
      const file = join(target, 'app/mod0/f0.js');
      sh('chattr', '+i', file);
      try {
        const r = await runRunner(['install', target, ...install.args]);
        const { path } = assertFailed(r, 'IO_FAILED', 'EPERM');
        assert.ok(path.endsWith('app/mod0/f0.js'), path);
      } finally {
        sh('chattr', '-i', file);
      }
      assertNothingLeft(target);
      await settleTo(install, target, 'old');
    } finally {
      medium.close();
    }
  });

  it('a mount inside the target: CROSS_DEVICE before anything is staged', async () => {
    const root = mkdtempSync(join(tmpdir(), 'servicepack-exdev-'));
    const target = freshTarget(install, root);
    const inner = join(target, 'app/mod1');
    const saved = join(root, 'mod1');
    cpSync(inner, saved, { recursive: true, verbatimSymlinks: true });
    sh('mount', '-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', inner);
    try {
      cpSync(saved, inner, { recursive: true, verbatimSymlinks: true });
      const r = await runRunner(['install', target, ...install.args]);
      const { path } = assertFailed(r, 'CROSS_DEVICE');
      assert.equal(path, 'app/mod1');
      assertNothingLeft(target);
      // A first install that fails removes the `.servicepack/` it created.
      assert.equal(existsSync(join(target, '.servicepack')), false);
      await settleTo(install, target, 'old');
    } finally {
      sh('umount', inner);
      rmSync(root, { recursive: true, force: true });
    }
  });

});
