// Messages that must say what happened and what to do: a pending transaction named by verify and the
// dry run (RECOVERY_NEEDED, "recover"), two first installs at once (LOCKED, never mkdir EEXIST), a
// journal of a newer servicepack (JOURNAL_UNSUPPORTED, not "outside damage"), and a rolled-back first
// install that leaves no `.servicepack/` behind. Real CLI processes, real signals, strace for kills.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_PATH } from './helpers/cli-path.js';
import { copyOf, packFrom, testKey, treeOf } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { needs, toolPath } from './helpers/tools.js';
import { cleanupTempDirs, hashTree, tempDir } from './helpers/tree.js';

const strace = toolPath('strace') ?? 'strace';
const skip = needs('strace');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function resultOf(r: Run): Record<string, any> {
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, any>;
}

/** The CLI under strace, killed with SIGKILL at the n-th rename(2). */
function killedAtRename(n: number, ...args: string[]): void {
  const r = spawnSync(strace, ['-f', '-qq', '-o', '/dev/null', '-e', `inject=rename:signal=SIGKILL:when=${n}`, process.execPath, CLI_PATH, ...args], { encoding: 'utf8' });
  assert.equal(r.signal ?? r.status, r.signal === null ? 137 : 'SIGKILL', `not killed: ${r.status} ${r.stdout} ${r.stderr}`);
}

/** Resolves once `file` exists (polled), or rejects after `ms`. */
async function appears(file: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!existsSync(file)) {
    if (Date.now() > end) throw new Error(`${file} did not appear`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs the CLI as a child; resolves with its outcome. */
function started(args: string[], wrap: string[] = []): { pid: number; done: Promise<Run> } {
  const [cmd, ...rest] = [...wrap, process.execPath, CLI_PATH, ...args];
  const child = spawn(cmd!, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((resolve) => child.on('close', (status, signal) => resolve({ status: status ?? (signal === null ? null : -1), stdout, stderr })));
  return { pid: child.pid!, done };
}

describe('messages that say what happened', () => {
  after(cleanupTempDirs);
  let pack = '';
  let oldDir = '';
  let newDir = '';
  let hooked = '';
  before(async () => {
    ({ pack, oldDir, newDir } = await packFrom(flatOld, flatNew));
    ({ pack: hooked } = await packFromHooked());
  });
  const packFromHooked = async () => {
    const { oldDir: o, newDir: n } = await packFrom(flatOld, flatNew);
    const out = join(tempDir('hooked'), 'hooked.svp');
    const b = cli('build', o, n, '--out', out, '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--sign', testKey.key, '--level', '3', '--pre-hook', 'sleep 3');
    assert.equal(b.status, 0, b.stderr);
    return { pack: out };
  };

  it('verify and the dry run name a pending transaction and say recover', { skip }, () => {
    const target = copyOf(oldDir);
    // Rename 5 is a swap inside the commit: the journal is pending, the tree is mixed.
    killedAtRename(5, 'install', pack, '--trusted-key', testKey.pub, '--target', target);
    const txid = resultOf(cli('status', '--target', target, '--json')).result.pending.txid as string;
    assert.match(txid, /^\d{8}T\d{6}Z-[0-9a-f]{8}$/);

    for (const [what, args] of [['verify', ['verify']], ['the dry run', ['install', pack, '--trusted-key', testKey.pub, '--dry-run']]] as const) {
      const r = cli(...args, '--target', target, '--json');
      assert.equal(r.status, 4, r.stdout);
      const e = resultOf(r).error;
      assert.deepEqual([e.code, e.details], ['RECOVERY_NEEDED', { target, reason: `pending install ${txid}`, txid, kind: 'install' }]);
      assert.equal(e.message, `an interrupted install ${txid} is pending in ${target}: its files are between two versions until it is recovered`);
      assert.equal(e.hint, `Run \`servicepack recover --target ${target}\` first: it rolls the interrupted install back (or finishes it if it had reached its point of no return); then run ${what} again.`);
      const text = cli(...args, '--target', target);
      assert.match(text.stderr, new RegExp(`^servicepack (verify|install): error RECOVERY_NEEDED: an interrupted install ${txid} is pending`));
    }
  });

  it('a rolled-back first install leaves the target exactly as it was, without .servicepack/', { skip }, async () => {
    // Killed inside the commit (journal pending), then recovered.
    const target = copyOf(oldDir);
    const before = hashTree(target);
    killedAtRename(5, 'install', pack, '--trusted-key', testKey.pub, '--target', target);
    assert.ok(existsSync(join(target, '.servicepack', 'journal.json')));
    const r = cli('recover', '--target', target, '--json');
    assert.equal(r.status, 0, r.stdout);
    assert.equal(resultOf(r).result.result.outcome, 'rolled-back');
    assert.equal(hashTree(target), before);

    // Killed before the journal (in the pre hook), then recovered.
    const second = copyOf(oldDir);
    const run = started(['install', hooked, '--trusted-key', testKey.pub, '--target', second]);
    await appears(join(second, '.servicepack', 'lock'));
    await new Promise((r) => setTimeout(r, 500));
    process.kill(run.pid, 'SIGKILL');
    await run.done;
    assert.ok(existsSync(join(second, '.servicepack', 'staging')));
    const rec = cli('recover', '--target', second, '--json');
    assert.equal(rec.status, 0, rec.stdout);
    assert.equal(hashTree(second), before);
  });

  it('two first installs at once: the second is LOCKED, never IO_FAILED mkdir EEXIST', { skip }, async () => {
    const target = copyOf(oldDir);
    const args = ['install', hooked, '--trusted-key', testKey.pub, '--target', target, '--json'];
    // The second install's mkdir(2) of .servicepack is held back 2 s: by then the first made it and
    // holds the lock (its pre hook sleeps 3 s).
    const second = started(args, [strace, '-f', '-qq', '-o', '/dev/null', '--seccomp-bpf', '-e', 'trace=mkdir', '-e', 'inject=mkdir:delay_enter=2000000']);
    await new Promise((r) => setTimeout(r, 700));
    const first = started(args);
    const [a, b] = await Promise.all([first.done, second.done]);
    assert.ok(a.status === 0 || a.status === 3, `first: ${a.status} ${a.stdout} ${a.stderr}`);
    assert.equal(b.status, 1, b.stdout);
    const e = resultOf(b).error;
    assert.deepEqual([e.code, e.details.target, e.details.pid], ['LOCKED', target, first.pid]);
    assert.deepEqual(treeOf(target), treeOf(newDir));
  });

  it('a journal written by a newer servicepack says so', () => {
    const target = copyOf(oldDir);
    const i = cli('install', pack, '--trusted-key', testKey.pub, '--target', target);
    assert.ok(i.status === 0 || i.status === 3, i.stderr);
    const journal = join(target, '.servicepack', 'journal.json');
    writeFileSync(journal, `${JSON.stringify({ journalVersion: 2, txid: 'x', kind: 'install', steps: [], afterCommit: [], afterRollback: [], future: true })}\n`);
    for (const args of [['recover'], ['status'], ['uninstall'], ['install', pack, '--trusted-key', testKey.pub]]) {
      const r = cli(...args, '--target', target, '--json');
      assert.equal(r.status, 1, r.stdout);
      const e = resultOf(r).error;
      assert.deepEqual([e.code, e.details], ['JOURNAL_UNSUPPORTED', { path: journal, version: 2, supported: 1 }]);
      assert.equal(e.message, `${journal} was written by a newer servicepack (journal version 2, this one reads 1)`);
    }
  });
});
