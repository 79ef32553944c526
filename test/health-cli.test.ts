// The health trial from the command line: checks given to build travel in the signed pack, install
// exits 5 with HEALTH_FAILED and a --json event per check result, status shows a trial in progress.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { copyOf, testKey } from './helpers/packs.js';
import { CLI_PATH } from './helpers/cli-path.js';
import { cleanupTempDirs, hashTree, makeTree, tempDir } from './helpers/tree.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const jsonLines = (stdout: string): Record<string, any>[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

describe('health trial (cli)', () => {
  after(cleanupTempDirs);
  const oldDir = makeTree({ STATUS: 'ok\n', VERSION: '1.0\n' });
  const newDir = makeTree({ STATUS: 'broken\n', VERSION: '2.0\n' });
  const pack = join(tempDir('health-cli'), 'sp.svp');

  it('signs the checks given to build into the pack, and inspect shows them', () => {
    const b = cli('build', oldDir, newDir, '--out', pack, '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--sign', testKey.key, '--level', '3',
      '--health-cmd', 'grep -qx ok STATUS', '--health-delay', '0', '--health-period', '0.1', '--health-window', '0.3', '--health-deadline', '1.5', '--json');
    assert.equal(b.status, 0, b.stderr);
    const i = jsonLines(cli('inspect', pack, '--json').stdout).at(-1)!;
    assert.deepEqual(i.result.health, { checks: [{ cmd: ['grep', '-qx', 'ok', 'STATUS'] }], delayMs: 0, periodMs: 100, windowMs: 300, deadlineMs: 1500 });
    const bad = cli('build', oldDir, newDir, '--out', join(tempDir('health-cli'), 'x.svp'), '--health-window', '3', '--json');
    assert.equal(bad.status, 2);
    assert.equal(jsonLines(bad.stdout).at(-1)!.error.code, 'USAGE');
  });

  it('exits 5 with HEALTH_FAILED, rolled back, with an event per check result', () => {
    const target = copyOf(oldDir);
    const r = cli('install', pack, '--target', target, '--trusted-key', testKey.pub, '--json');
    assert.equal(r.status, 5, r.stderr);
    const lines = jsonLines(r.stdout);
    const last = lines.at(-1)!;
    assert.deepEqual([last.type, last.command, last.ok, last.exitCode, last.error.code], ['result', 'install', false, 5, 'HEALTH_FAILED']);
    assert.deepEqual(last.error.details.failed.map((x: any) => [x.check, x.ok, x.reason]), [['cmd ["grep","-qx","ok","STATUS"]', false, 'exit status 1']]);
    assert.deepEqual(last.error.details.afterRollBack.map((x: any) => x.ok), [true]);
    const checks = lines.filter((l) => l.type === 'health-check');
    assert.ok(checks.length >= 2, JSON.stringify(checks));
    assert.deepEqual(checks.at(-1), { ...checks.at(-1), type: 'health-check', phase: 'after-roll-back', check: 'cmd ["grep","-qx","ok","STATUS"]', ok: true });
    assert.ok(checks.slice(0, -1).every((c) => c.phase === 'trial' && c.ok === false && c.reason === 'exit status 1'));
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(oldDir));
    const s = jsonLines(cli('status', '--target', target, '--json').stdout).at(-1)!;
    assert.deepEqual([s.exitCode, s.result.version, s.result.trial], [0, '1.0', null]);
  });

  it('explains in text what failed and what the old version does', () => {
    const target = copyOf(oldDir);
    const r = cli('install', pack, '--target', target, '--trusted-key', testKey.pub);
    assert.equal(r.status, 5);
    assert.match(r.stderr, /error HEALTH_FAILED: health check cmd \["grep","-qx","ok","STATUS"\] failed \(exit status 1\); the service pack was rolled back: the target is acme 1\.0 again/);
    assert.match(r.stderr, /checks of 1\.0 after the roll-back:\n {2}passed cmd/);
    assert.match(cli('explain', 'HEALTH_FAILED').stdout, /status 5/);
    assert.match(cli('--help').stdout, /5 +health check failed; rolled back/);
  });

  it('installs with --no-health and a warning; refuses --no-health with check options', () => {
    const target = copyOf(oldDir);
    const r = cli('install', pack, '--target', target, '--trusted-key', testKey.pub, '--no-health');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning HEALTH_SKIPPED: installing without the health trial/);
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(newDir));
    const u = cli('install', pack, '--target', copyOf(oldDir), '--trusted-key', testKey.pub, '--no-health', '--health-tcp', '127.0.0.1:1');
    assert.equal(u.status, 2);
  });

  it('rolls back when SIGTERM stops the trial (exit 143), and a dry run shows the trial it would run', async () => {
    const target = copyOf(oldDir);
    const plan = jsonLines(cli('install', pack, '--target', target, '--trusted-key', testKey.pub, '--dry-run', '--health-deadline', '120', '--json').stdout).at(-1)!;
    assert.deepEqual(plan.result.health, { outcome: 'planned', checks: ['cmd ["grep","-qx","ok","STATUS"]'], timing: { delayMs: 0, periodMs: 100, windowMs: 300, deadlineMs: 120000 } });
    const trial = spawn(process.execPath, [CLI_PATH, 'install', pack, '--target', target, '--trusted-key', testKey.pub, '--health-deadline', '120', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    trial.stdout.on('data', (c: Buffer) => (out += c.toString()));
    for (let n = 0; n < 600 && !out.includes('"type":"health-check"'); n++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(newDir));
    const exited = new Promise<number | null>((r) => trial.once('exit', (code) => r(code)));
    trial.kill('SIGTERM');
    assert.equal(await exited, 143);
    const last = jsonLines(out).at(-1)!;
    assert.deepEqual([last.exitCode, last.error.code], [143, 'INTERRUPTED']);
    assert.ok(jsonLines(out).some((l) => l.type === 'trial' && l.outcome === 'interrupted'));
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(oldDir));
    const s = jsonLines(cli('status', '--target', target, '--json').stdout).at(-1)!;
    assert.deepEqual([s.exitCode, s.result.version, s.result.trial, s.result.lockedBy], [0, '1.0', null, null]);
  });

  it('status shows a trial in progress, and exits 4 once its process is gone', async () => {
    const target = copyOf(oldDir);
    // A window and deadline long enough to look at the trial while it runs.
    const trial = spawn(process.execPath, [CLI_PATH, 'install', pack, '--target', target, '--trusted-key', testKey.pub, '--health-deadline', '120', '--health-window', '100',
      '--health-cmd', 'true', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    trial.stdout.on('data', (c: Buffer) => (out += c.toString()));
    for (let n = 0; n < 600 && !out.includes('"outcome":"started"'); n++) await new Promise((r) => setTimeout(r, 50));
    const s = cli('status', '--target', target);
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /on trial: 2\.0 \(\d{8}T\d{6}Z-[0-9a-f]{8}\) runs its health checks/);
    const exited = new Promise((r) => trial.once('exit', r));
    trial.kill('SIGKILL');
    await exited;
    const gone = cli('status', '--target', target, '--json');
    assert.equal(gone.status, 4);
    assert.equal(jsonLines(gone.stdout).at(-1)!.result.trial.running, false);
    const rec = cli('recover', '--target', target);
    assert.equal(rec.status, 0, rec.stderr);
    assert.match(rec.stdout, /was on trial and never confirmed: rolled back to version 1\.0/);
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(oldDir));
  });
});
