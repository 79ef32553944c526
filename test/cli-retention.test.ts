// Backups do not grow forever: `install --keep N` and `cleanup --prune N` (asking first in text mode)
// give up the oldest uninstall backups, `status` shows their size, and uninstalling a pruned pack is
// refused with BACKUP_PRUNED, changing nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { copyOf, packFrom, testKey, treeOf } from './helpers/packs.js';
import { cleanupTempDirs, hashTree } from './helpers/tree.js';
import { CLI_PATH } from './helpers/cli-path.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;
const key = ['--trusted-key', testKey.pub];
const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const tree = (v: number) => ({ 'app.bin': String(v).repeat(1000 * v), 'conf.txt': `v${v}\n` });

/** Bytes of the regular files under .servicepack/backup/ (each inode once). */
function backupBytesOf(target: string): number {
  const seen = new Set<number>();
  let total = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !seen.has(lstatSync(p).ino)) {
        seen.add(lstatSync(p).ino);
        total += lstatSync(p).size;
      }
    }
  };
  walk(join(target, '.servicepack/backup'));
  return total;
}

describe('cli retention', () => {
  after(cleanupTempDirs);

  it('install --keep, cleanup --prune with confirmation, backup size in status, BACKUP_PRUNED on uninstall', async () => {
    const p1 = await packFrom(tree(1), tree(2), { from: '1.0', to: '2.0' });
    const p2 = await packFrom(tree(2), tree(3), { from: '2.0', to: '3.0' });
    const p3 = await packFrom(tree(3), tree(4), { from: '3.0', to: '4.0' });
    const target = copyOf(p1.oldDir);
    const txOf = (pack: string, ...extra: string[]) => {
      const r = cli('install', pack, ...key, '--target', target, '--json', ...extra);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      return lastJson(r.stdout).result.txid as string;
    };
    const tx1 = txOf(p1.pack);
    const tx2 = txOf(p2.pack);
    const st = lastJson(cli('status', '--target', target, '--json').stdout).result;
    assert.equal(st.backupBytes, backupBytesOf(target));
    assert.ok(st.backupBytes > 3000);
    assert.match(cli('status', '--target', target).stdout, /\nuninstall backups: [\d.]+ KiB for 2 service pack\(s\) \(servicepack cleanup --prune N keeps the newest N\)\n/);

    // The third install keeps two backups: its own and the second's.
    const tx3 = txOf(p3.pack, '--keep', '2');
    const after3 = lastJson(cli('status', '--target', target, '--json').stdout).result;
    assert.deepEqual(after3.history.map((h: any) => [h.txid, h.pruned ?? false]), [[tx1, true], [tx2, false], [tx3, false]]);
    // Its set-aside files are gone; its record stays, since the tree's record names its changes.
    assert.deepEqual(readdirSync(join(target, '.servicepack/backup', tx1)), ['record.json']);
    assert.equal(cli('verify', '--target', target).status, 0, 'verify still reads the whole tree');
    assert.equal(after3.backupBytes, backupBytesOf(target));
    assert.ok(after3.backupBytes < st.backupBytes + 3000 * 2);

    // --prune asks first; without a terminal to ask on, it needs --yes and changes nothing.
    const before = hashTree(target);
    const refused = cli('cleanup', '--target', target, '--prune', '1');
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /error USAGE: cleanup --prune needs a confirmation, and there is no terminal to ask on\nhint: Pass --yes/);
    assert.equal(hashTree(target), before);
    const dry = cli('cleanup', '--target', target, '--prune', '1', '--dry-run');
    assert.equal(dry.stdout.split('\n')[0], `would give up the uninstall backups of 1 service pack(s): ${tx2}`);
    assert.equal(hashTree(target), before);

    if (hasScript) {
      const command = [process.execPath, CLI_PATH, 'cleanup', '--target', target, '--prune', '1'].map(quote).join(' ');
      const no = spawnSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', input: 'n\n' });
      assert.match(no.stdout, /Give up the uninstall backups of 1 service pack\(s\) \([\d.]+ KiB to free\)\? They can no longer be uninstalled\. \[y\/N\]/);
      assert.match(no.stdout, /error USAGE: not confirmed: cleanup --prune did nothing/);
      assert.equal(hashTree(target), before);
      const yes = spawnSync('script', ['-qfec', command, '/dev/null'], { encoding: 'utf8', input: 'y\n' });
      assert.match(yes.stdout, new RegExp(`gave up the uninstall backups of 1 service pack\\(s\\): ${tx2}`), yes.stdout);
    } else {
      assert.equal(cli('cleanup', '--target', target, '--prune', '1', '--yes').status, 0);
    }
    assert.deepEqual(readdirSync(join(target, '.servicepack/backup', tx2)), ['record.json']);
    const events = lastJson(cli('history', '--target', target, '--json').stdout).result.events as any[];
    assert.deepEqual([events.at(-1).event, events.at(-1).pruned], ['prune', [tx2]]);

    // The newest pack still uninstalls; the pruned one below it is refused, and nothing changes.
    assert.equal(cli('uninstall', '--target', target).status, 0);
    assert.deepEqual(treeOf(target), treeOf(p3.oldDir));
    const kept = hashTree(target);
    const r = cli('uninstall', '--target', target, '--json');
    assert.equal(r.status, 1);
    const err = lastJson(r.stdout).error;
    assert.deepEqual([err.code, err.details.txid, err.details.version], ['BACKUP_PRUNED', tx2, '3.0']);
    assert.equal(hashTree(target), kept);
    assert.match(cli('status', '--target', target).stdout, new RegExp(`transaction ${tx2}\\); backup given up: cannot be uninstalled\n`));
    // The tree's record still reaches every file: a changed file and an extra one anywhere are reported.
    writeFileSync(join(target, 'conf.txt'), 'edited\n');
    writeFileSync(join(target, 'extra.txt'), 'x\n');
    const v = cli('verify', '--target', target, '--json');
    const vr = lastJson(v.stdout).result;
    assert.deepEqual([v.status, vr.modified.map((m: any) => m.path), vr.unexpected], [1, ['conf.txt'], ['extra.txt']], v.stdout + v.stderr);
  });
});
