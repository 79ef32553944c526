// Health checks and the trial after an install, with real parts: the pack's post hook starts a real HTTP
// server from the target, the checks are real child processes, a trial is killed with SIGKILL and
// recovered. Every outcome is asserted on the exact tree (hash), the version and the code.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { build, inspectSync as inspect, installSync as install, recoverSync as recover, statusSync as status, type PackHealth, type ProgressEvent } from '../src/index.js';
import { copyOf, expectCode, testKey, trusted } from './helpers/packs.js';
import { CLI_PATH } from './helpers/cli-path.js';
import { cleanupTempDirs, hashTree, makeTree, tempDir } from './helpers/tree.js';

/**
 * The application: an HTTP server answering 200 (`ok`), 500 (`fail`), or 200 for one second from its
 * first request on and 500 after that (`flaky`: by time, not by count, so a slow machine sees it too).
 */
const server = (mode: 'ok' | 'fail' | 'flaky'): string => `const http = require('node:http');
const fs = require('node:fs');
const [port, pidfile] = process.argv.slice(2);
let first = null;
http.createServer((req, res) => {
  first ??= Date.now();
  const ok = ${JSON.stringify(mode)} === 'ok' || (${JSON.stringify(mode)} === 'flaky' && Date.now() - first < 1000);
  res.writeHead(ok ? 200 : 500);
  res.end(ok ? 'ok\\n' : 'failing\\n');
}).listen(Number(port), '127.0.0.1', () => fs.writeFileSync(pidfile, String(process.pid)));
`;

/** A free TCP port on 127.0.0.1 (nothing listens on it once this returns). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface App {
  oldDir: string;
  newDir: string;
  pack: string;
  port: number;
  url: string;
  /** Where the running server writes its pid. */
  pidfile: string;
  /** What the hooks saw, one line per run. */
  log: string;
}

const running: string[] = [];

/** Stops the server a pidfile names, and waits until it is gone. */
function stopServer(pidfile: string): void {
  spawnSync('sh', ['-c', 'if [ -f "$1" ]; then p=$(cat "$1"); kill "$p" 2>/dev/null; while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; rm -f "$1"; fi', 'stop', pidfile]);
}

/**
 * Version 1.0 serves 200; version 2.0 serves as `mode` says. The pack's pre hook stops the running
 * server, its post hook starts the server of whatever version is then in the target.
 */
async function app(mode: 'ok' | 'fail' | 'flaky', health?: PackHealth, extra: Record<string, string> = {}): Promise<App> {
  const port = await freePort();
  const run = tempDir('health-run');
  const pidfile = join(run, 'server.pid');
  const log = join(run, 'hooks.log');
  running.push(pidfile);
  const oldDir = makeTree({ 'server.cjs': server('ok'), VERSION: '1.0\n', STATUS: 'ok\n' });
  const newDir = makeTree({ 'server.cjs': server(mode), VERSION: '2.0\n', STATUS: mode === 'ok' ? 'ok\n' : 'broken\n', ...extra });
  const pack = join(tempDir('health-pack'), 'sp.svp');
  const pre = ['sh', '-c', 'if [ -f "$1" ]; then p=$(cat "$1"); kill "$p"; while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; rm -f "$1"; fi; echo "pre $SERVICEPACK_KIND ${SERVICEPACK_TRIAL:-}" >>"$2"', 'pre', pidfile, log];
  const post = ['sh', '-c', '"$1" server.cjs "$2" "$3" </dev/null >/dev/null 2>&1 & echo "post $SERVICEPACK_KIND $SERVICEPACK_OUTCOME ${SERVICEPACK_TRIAL:-}" >>"$4"', 'post', process.execPath, String(port), pidfile, log];
  await build({ oldDir, newDir, out: pack, product: 'acme', fromVersion: '1.0', toVersion: '2.0', level: 3, sign: testKey.key, preHook: pre, postHook: post, ...(health === undefined ? {} : { health }) });
  return { oldDir, newDir, pack, port, url: `http://127.0.0.1:${port}/health`, pidfile, log };
}

/** Short trials keep the suite fast: first check after 0.2 s, every 0.2 s, 0.6 s of passing within 6 s. */
const quick = { delayMs: 200, periodMs: 200, windowMs: 600, deadlineMs: 6000 };

const hooksRan = (a: App): string[] => (existsSync(a.log) ? readFileSync(a.log, 'utf8').trim().split('\n').map((l) => l.trim()) : []);

describe('health trial', () => {
  afterEach(() => {
    for (const p of running.splice(0)) stopServer(p);
  });
  after(cleanupTempDirs);

  it('confirms an install whose server answers 200 for the whole window (url and tcp checks)', async () => {
    const a = await app('ok');
    const target = copyOf(a.oldDir);
    const events: ProgressEvent[] = [];
    const r = install(a.pack, { ...trusted, target, health: { checks: [{ url: a.url }, { tcp: `127.0.0.1:${a.port}` }], ...quick }, onEvent: (e) => events.push(e) });
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(a.newDir));
    assert.equal(r.health.outcome, 'confirmed');
    if (r.health.outcome !== 'confirmed') return;
    assert.deepEqual(r.health.checks, [`url ${a.url}`, `tcp 127.0.0.1:${a.port}`]);
    assert.deepEqual(r.health.results.map((x) => x.ok), [true, true]);
    assert.ok(r.health.confirmedAtMs >= quick.delayMs + quick.windowMs, `confirmed at ${r.health.confirmedAtMs} ms`);
    assert.equal(status({ target }).version, '2.0');
    assert.equal(status({ target }).trial, null);
    assert.equal(existsSync(join(target, '.servicepack/trial.json')), false);
    const checks = events.filter((e) => e.type === 'health-check');
    assert.ok(checks.length >= 2 && checks.every((e) => e.type === 'health-check' && e.phase === 'trial'));
    assert.deepEqual(events.filter((e) => e.type === 'trial').map((e) => e.type === 'trial' && e.outcome), ['started', 'confirmed']);
    assert.deepEqual(hooksRan(a), ['pre install', 'post install committed']);
  });

  it('rolls back an install whose server answers 500, and checks the old version again', async () => {
    const a = await app('fail');
    const target = copyOf(a.oldDir);
    const events: ProgressEvent[] = [];
    const err = expectCode('HEALTH_FAILED', () => install(a.pack, { ...trusted, target, health: { checks: [{ url: a.url }], ...quick, deadlineMs: 3000 }, onEvent: (e) => events.push(e) }));
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(a.oldDir));
    assert.equal(status({ target }).version, '1.0');
    assert.equal(status({ target }).history.length, 0);
    assert.equal(existsSync(join(target, '.servicepack/trial.json')), false);
    const d = err.details;
    assert.deepEqual([d.failedVersion, d.version], ['2.0', '1.0']);
    assert.deepEqual(d.failed.map((x) => [x.check, x.ok]), [[`url ${a.url}`, false]]);
    // The server of 2.0 answered 500 (on a loaded machine the last check may also be cut by the deadline).
    assert.ok(events.some((e) => e.type === 'health-check' && e.phase === 'trial' && e.reason === 'HTTP 500'), JSON.stringify(d.failed));
    assert.deepEqual(d.afterRollBack.map((x) => [x.check, x.ok]), [[`url ${a.url}`, true]]);
    // The roll-back ran the hooks with the outcome: the new server stopped, the old one started.
    assert.deepEqual(hooksRan(a), ['pre install', 'post install committed', 'pre uninstall failed', 'post uninstall committed failed']);
  });

  it('rolls back an install that passes at first and then fails inside the window', async () => {
    const a = await app('flaky');
    const target = copyOf(a.oldDir);
    const events: ProgressEvent[] = [];
    const err = expectCode('HEALTH_FAILED', () => install(a.pack, { ...trusted, target, health: { checks: [{ url: a.url }], delayMs: 300, periodMs: 200, windowMs: 5000, deadlineMs: 12_000 }, onEvent: (e) => events.push(e) }));
    const trial = events.filter((e) => e.type === 'health-check' && e.phase === 'trial').map((e) => e.type === 'health-check' && (e.ok || e.reason));
    // Passing answers first (the server's first second), then the 500s that end it.
    const firstPass = trial.indexOf(true);
    assert.ok(firstPass >= 0 && trial.indexOf('HTTP 500') > firstPass, JSON.stringify(trial));
    assert.equal(err.details.failed[0]!.ok, false);
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(a.oldDir));
    assert.equal(status({ target }).version, '1.0');
  });

  it('runs command checks in the target without a shell, with the outcome in the environment', async () => {
    const a = await app('fail');
    const target = copyOf(a.oldDir);
    const seen = join(tempDir('seen'), 'env.log');
    const check = ['sh', '-c', 'echo "$SERVICEPACK_CHECK $SERVICEPACK_OUTCOME $SERVICEPACK_VERSION $PWD" >>"$1"; grep -qx ok STATUS || { echo "status is $(cat STATUS)"; exit 3; }', 'check', seen];
    const err = expectCode('HEALTH_FAILED', () => install(a.pack, { ...trusted, target, health: { checks: [{ cmd: check }], delayMs: 0, periodMs: 100, windowMs: 300, deadlineMs: 400 } }));
    assert.equal(err.details.failed[0]!.reason, 'exit status 3: status is broken');
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(a.oldDir));
    const lines = readFileSync(seen, 'utf8').trim().split('\n');
    assert.equal(lines[0], `trial committed 2.0 ${target}`);
    assert.equal(lines.at(-1), `after-roll-back rolled-back 1.0 ${target}`);
    assert.deepEqual(err.details.afterRollBack.map((x) => x.ok), [true]);
  });

  it('fails a TCP check when nothing listens, and confirms it when the server does', async () => {
    const a = await app('ok');
    const target = copyOf(a.oldDir);
    const closed = await freePort();
    const events: ProgressEvent[] = [];
    const err = expectCode('HEALTH_FAILED', () => install(a.pack, { ...trusted, target, health: { checks: [{ tcp: `127.0.0.1:${closed}` }], delayMs: 0, periodMs: 100, windowMs: 1000, deadlineMs: 2500 }, onEvent: (e) => events.push(e) }));
    assert.equal(err.details.failed[0]!.ok, false);
    assert.ok(events.some((e) => e.type === 'health-check' && /ECONNREFUSED/.test(e.reason ?? '')), JSON.stringify(err.details.failed));
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(a.oldDir));
    const r = install(a.pack, { ...trusted, target, health: { checks: [{ tcp: `127.0.0.1:${a.port}` }], ...quick } });
    assert.equal(r.health.outcome, 'confirmed');
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(a.newDir));
  });

  it('ends a trial whose check never returns at the deadline', async () => {
    const a = await app('ok');
    const target = copyOf(a.oldDir);
    const at: Record<string, number> = {};
    const onEvent = (e: ProgressEvent) => {
      if (e.type === 'trial') at[e.outcome] = Date.now();
    };
    const err = expectCode('HEALTH_FAILED', () => install(a.pack, { ...trusted, target, health: { checks: [{ cmd: ['sleep', '1000'] }], delayMs: 0, periodMs: 100, windowMs: 200, deadlineMs: 1500 }, onEvent }));
    assert.equal(err.details.deadline, true);
    assert.deepEqual(err.details.failed.map((x) => [x.ok, x.ms >= 1400, /^timed out after \d+ ms$/.test(x.reason!)]), [[false, true, true]]);
    // The deadline (1.5 s after the trial started) killed the check and ended the trial.
    const ms = at.failed! - at.started!;
    assert.ok(ms >= 1500 && ms < 1500 + 1000, `the trial took ${ms} ms`);
    // The old version's check ran into its own 5 s timeout.
    assert.match(err.details.afterRollBack[0]!.reason!, /^timed out after 5000 ms$/);
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(a.oldDir));
  });

  it('adds install checks to the pack\'s, replaces its timing, and skips them all with health: false', async () => {
    const declared: PackHealth = { checks: [{ cmd: ['sh', '-c', 'grep -qx ok STATUS'] }], delayMs: 0, periodMs: 100, windowMs: 200, deadlineMs: 60_000 };
    const a = await app('fail', declared);
    assert.deepEqual(inspect(a.pack).health, declared);
    // The pack's own check fails; the install's deadline (0.4 s) replaces the pack's 60 s.
    const target = copyOf(a.oldDir);
    const started = Date.now();
    const err = expectCode('HEALTH_FAILED', () => install(a.pack, { ...trusted, target, health: { deadlineMs: 400 } }));
    assert.ok(Date.now() - started < 30_000);
    assert.deepEqual(err.details.failed.map((x) => x.check), ['cmd ["sh","-c","grep -qx ok STATUS"]']);
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(a.oldDir));
    // An install check is added: both run, and both are reported.
    const err2 = expectCode('HEALTH_FAILED', () => install(a.pack, { ...trusted, target, health: { checks: [{ tcp: `127.0.0.1:${a.port}` }], deadlineMs: 3000 } }));
    assert.deepEqual(err2.details.failed.map((x) => x.check), ['cmd ["sh","-c","grep -qx ok STATUS"]', `tcp 127.0.0.1:${a.port}`]);
    // health: false skips the pack's checks, with a warning, and installs.
    const events: ProgressEvent[] = [];
    const r = install(a.pack, { ...trusted, target, health: false, onEvent: (e) => events.push(e) });
    assert.deepEqual(r.health, { outcome: 'skipped', checks: ['cmd ["sh","-c","grep -qx ok STATUS"]'] });
    assert.deepEqual(events.filter((e) => e.type === 'warning').map((e) => e.type === 'warning' && e.code), ['HEALTH_SKIPPED']);
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(a.newDir));
    // The engine's noHealth is the library's health: false (--no-health); the engine's name is refused.
    assert.deepEqual(expectCode('USAGE', () => install(a.pack, { ...trusted, target: copyOf(a.oldDir), noHealth: true } as never)).details, { argument: 'noHealth' });
  });

  it('rolls back a trial whose process was killed (kill -9), at the next recover', async () => {
    const a = await app('ok');
    const target = copyOf(a.oldDir);
    const child = spawn(process.execPath, [CLI_PATH, 'install', a.pack, '--target', target, '--trusted-key', testKey.pub,
      '--health-url', a.url, '--health-delay', '0.1', '--health-period', '0.2', '--health-window', '60', '--health-deadline', '120', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    // On trial once a check has passed: the install committed, the server of 2.0 answers.
    for (let n = 0; n < 600 && !out.includes('"type":"health-check"'); n++) await new Promise((r) => setTimeout(r, 50));
    const during = status({ target });
    assert.deepEqual([during.version, during.trial?.version, during.trial?.running, during.trial?.checks], ['2.0', '2.0', true, [`url ${a.url}`]]);
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(a.newDir));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.equal(status({ target }).trial?.running, false);
    const r = recover({ target });
    assert.equal(r.result.trial?.outcome, 'rolled-back');
    assert.equal(r.result.trial?.version, '1.0');
    assert.deepEqual(r.result.trial?.afterRollBack.map((x) => x.ok), [true]);
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(a.oldDir));
    assert.equal(status({ target }).version, '1.0');
    assert.equal(status({ target }).trial, null);
    assert.deepEqual(hooksRan(a), ['pre install', 'post install committed', 'pre uninstall abandoned', 'post uninstall committed abandoned']);
  });
});
