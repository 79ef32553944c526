// SIGINT and SIGTERM sent to a real CLI process: a message and a --json result line (INTERRUPTED, exit
// 130 or 143), and a transaction interrupted while its pre hook sleeps rolls back: the target's whole
// tree is exactly what it was.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_PATH } from './helpers/cli-path.js';
import { copyOf, packFrom, testKey } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, hashTree, tempDir } from './helpers/tree.js';

// native/stop-signals.c (built with cc) defers a signal during a transaction and reports one at once
// during a blocking system call; Node's listeners, the fallback without it, can do neither.
const nativeSignals = needs('cc');

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function started(args: string[]): { pid: number; done: Promise<Run> } {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { pid: child.pid!, done: new Promise((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }))) };
}

/** Resolves once `test` holds (polled every 20 ms), or rejects after 20 s. */
async function until(what: string, test: () => boolean): Promise<void> {
  const end = Date.now() + 20_000;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether process `pid` has a child running `comm`. */
function hasChild(pid: number, comm: string): boolean {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && name === comm) return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

function resultOf(r: Run): Record<string, any> {
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, any>;
}

/** What each thread of `pid` waits for in the kernel (/proc/PID/task/TID/wchan). */
function threadsWaiting(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map((tid) => readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8'));
  } catch (err) {
    // The process or a thread ended meanwhile.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') return [];
    throw err;
  }
}

describe('signals', () => {
  after(cleanupTempDirs);
  let hooked = '';
  let oldDir = '';
  before(async () => {
    const p = await packFrom(flatOld, flatNew);
    oldDir = p.oldDir;
    hooked = join(tempDir('hooked'), 'sp.svp');
    const b = spawnSync(process.execPath, [CLI_PATH, 'build', p.oldDir, p.newDir, '--out', hooked, '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--sign', testKey.key, '--level', '3', '--pre-hook', 'sleep 3'], { encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
  });

  for (const [signal, exit] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal} while the pre hook of a first install sleeps: rolled back, INTERRUPTED, exit ${exit}`, { skip: nativeSignals }, async () => {
      const target = copyOf(oldDir);
      const before = hashTree(target);
      const run = started(['install', hooked, '--trusted-key', testKey.pub, '--target', target, '--json']);
      await until('the pre hook', () => hasChild(run.pid, 'sleep'));
      assert.ok(existsSync(join(target, '.servicepack', 'lock')));
      process.kill(run.pid, signal);
      const r = await run.done;
      assert.deepEqual([r.status, r.signal], [exit, null], r.stderr);
      const res = resultOf(r);
      assert.deepEqual([res.command, res.ok, res.exitCode, res.error.code, res.error.details], ['install', false, exit, 'INTERRUPTED', { signal }]);
      assert.equal(r.stderr, '');
      // Exactly the old tree, and no .servicepack/ left by the rolled-back first install.
      assert.equal(hashTree(target), before);
    });
  }

  it('SIGTERM while the pre hook of a second install sleeps: exactly the installed tree and records stay', { skip: nativeSignals }, async () => {
    const mid = { ...flatOld, 'extra.txt': 'mid\n' };
    const first = await packFrom(flatOld, mid, { to: '1.5' });
    const second = await packFrom(mid, flatNew, { from: '1.5', to: '2.0' });
    const hooked2 = join(tempDir('hooked2'), 'sp.svp');
    const b = spawnSync(process.execPath, [CLI_PATH, 'build', second.oldDir, second.newDir, '--out', hooked2, '--product', 'acme', '--from-version', '1.5', '--to-version', '2.0', '--sign', testKey.key, '--level', '3', '--pre-hook', 'sleep 3'], { encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    const target = copyOf(oldDir);
    const i = spawnSync(process.execPath, [CLI_PATH, 'install', first.pack, '--trusted-key', testKey.pub, '--target', target], { encoding: 'utf8' });
    assert.ok(i.status === 0 || i.status === 3, i.stderr);
    const before = hashTree(target);
    const run = started(['install', hooked2, '--trusted-key', testKey.pub, '--target', target]);
    await until('the pre hook', () => hasChild(run.pid, 'sleep'));
    process.kill(run.pid, 'SIGTERM');
    const r = await run.done;
    assert.deepEqual([r.status, r.signal], [143, null]);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^servicepack install: error INTERRUPTED: stopped by SIGTERM\nhint: Nothing was left half-done/m);
    assert.equal(hashTree(target), before);
  });

  it('SIGINT during a command that changes nothing: INTERRUPTED at once, exit 130', { skip: nativeSignals }, async () => {
    const fifo = join(tempDir('fifo'), 'pack.svp');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const run = started(['inspect', fifo, '--json']);
    // Blocked opening the FIFO, which no one writes (on the command's operation thread).
    await until('the open of the FIFO', () => threadsWaiting(run.pid!).includes('wait_for_partner'));
    process.kill(run.pid, 'SIGINT');
    const r = await run.done;
    assert.deepEqual([r.status, r.signal], [130, null]);
    const res = resultOf(r);
    assert.deepEqual([res.command, res.ok, res.exitCode, res.error.code], ['inspect', false, 130, 'INTERRUPTED']);
  });
});
