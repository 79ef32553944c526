// The holder scan against real processes: every kind of hold (running executable, mapped library, open
// descriptor, working directory, root), a holder in another mount namespace, a holder running as
// another user, a scanner without privileges, and processes that exit while the scan runs. Every case
// runs on both engines: the native scan (what `holders` uses when it is built) and the JavaScript one.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { holdersSync as holders } from '../src/index.js';
import { selectPlatform, type Platform } from '../src/platform/index.js';
import { hasNativeScan } from '../src/platform/linux/native-scan.js';
import { compileFixture, perfLibraryNames } from '../src/demo/compile.js';
import { startHolder } from '../src/demo/holder.js';
import { brief, eventually, startProcess, stop, stopAll } from './helpers/holders.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, tempDir } from './helpers/tree.js';
import { expectCode } from './helpers/packs.js';

const isRoot = process.getuid?.() === 0;

/** The platform with the JavaScript scan only: read-only callers otherwise get the native one. */
function javascriptOnly(platform: Platform): Platform {
  return { ...platform, scanHolds: (files, pids, options) => platform.scanHolds(files, pids, { ...options, native: false }) };
}

it('has the native scan built (npm run build compiles it)', { skip: (process.platform !== 'linux' && 'Linux only') || needs('cc') }, () => {
  assert.equal(hasNativeScan(), true);
});

for (const engine of ['native', 'javascript'] as const) describe(`holders (${engine} scan)`, { skip: (process.platform !== 'linux' && 'reads /proc (Linux)') || (engine === 'native' && needs('cc')) }, () => {
  const platform = engine === 'native' ? selectPlatform() : javascriptOnly(selectPlatform());
  let target = '';
  before(() => {
    target = join(tempDir('holders'), 'app');
    mkdirSync(join(target, 'bin'), { recursive: true });
    mkdirSync(join(target, 'etc'));
    copyFileSync('/bin/sleep', join(target, 'bin/tool'));
    chmodSync(join(target, 'bin/tool'), 0o755);
    writeFileSync(join(target, 'etc/app.conf'), 'threads=4\n');
    writeFileSync(join(target, 'data.txt'), 'data\n');
  });
  after(async () => {
    await stopAll();
    cleanupTempDirs();
  });

  it('names a running copied executable (exe), and nothing else', async () => {
    const child = spawn(join(target, 'bin/tool'), ['600'], { stdio: 'ignore' });
    const p = { pid: child.pid!, child };
    try {
      assert.ok(await eventually(() => holders({ platform, target }).holders.length > 0));
      const r = holders({ platform, target });
      assert.deepEqual(r.holders.map(brief), [`${p.pid} exe bin/tool`]);
      const h = r.holders[0]!;
      assert.equal(h.command, `${join(target, 'bin/tool')} 600`);
      if (isRoot) assert.equal(h.user, 'root');
      assert.ok(Math.abs(Date.parse(h.startedAt) - Date.now()) < 10_000, h.startedAt);
    } finally {
      await stop(p);
    }
  });

  it('gives the whole command line of a holder, however long (read past the first buffer)', async () => {
    // sleep accepts several durations and sleeps their sum: 14,000 bytes of arguments.
    const args = ['600', ...['1', '2', '3'].map((d) => `${d}${'0'.repeat(4)}e-4`.padStart(4_600, '0'))];
    const child = spawn(join(target, 'bin/tool'), args, { stdio: 'ignore' });
    const p = { pid: child.pid!, child };
    try {
      assert.ok(await eventually(() => holders({ platform, target }).holders.length > 0));
      const h = holders({ platform, target }).holders[0]!;
      assert.equal(h.command.length, join(target, 'bin/tool').length + 1 + 3 + 3 * 4_601);
      assert.equal(h.command, [join(target, 'bin/tool'), ...args].join(' '));
    } finally {
      await stop(p);
    }
  });

  it('names the loaded shared libraries (mapped) of a running host', { skip: needs('cc') }, async () => {
    const built = compileFixture(tempDir('cc'), '5.5');
    const lib = join(target, 'lib');
    mkdirSync(lib);
    for (const name of perfLibraryNames) copyFileSync(built.libs[name]!, join(lib, name));
    copyFileSync(built.host, join(lib, 'perfhost'));
    chmodSync(join(lib, 'perfhost'), 0o755);
    const h = await startHolder(join(lib, 'perfhost'), perfLibraryNames.map((n) => join(lib, n)));
    try {
      assert.deepEqual(holders({ platform, target, paths: ['lib'] }).holders.map(brief), [
        ...perfLibraryNames.map((n) => `${h.pid} mapped lib/${n}`),
        `${h.pid} exe lib/perfhost`,
      ].sort((a, b) => (a.split(' ')[2]! < b.split(' ')[2]! ? -1 : 1)));
    } finally {
      await h.stop();
    }
  });

  it('names an open descriptor (fd) and a shell sitting in a directory (cwd)', async () => {
    const fd = await startProcess('sh', ['-c', 'exec 3<"$1"; echo ready; exec sleep 600', 'sh', join(target, 'data.txt')]);
    const shell = await startProcess('sh', ['-c', 'cd "$1" && echo ready && read x', 'sh', join(target, 'etc')]);
    try {
      assert.ok(await eventually(() => holders({ platform, target }).holders.some((h) => h.pid === fd.pid && h.command === 'sleep 600')));
      assert.deepEqual(holders({ platform, target }).holders.map(brief), [`${fd.pid} fd data.txt`, `${shell.pid} cwd etc`].sort());
      assert.deepEqual(holders({ platform, target, paths: ['etc/app.conf', join(target, 'data.txt')] }).holders.map(brief), [`${fd.pid} fd data.txt`]);
    } finally {
      await stop(fd);
      await stop(shell);
    }
  });

  it('names a process whose root is the target (root)', { skip: needs('perl') }, async () => {
    const p = await startProcess('perl', ['-e', 'chroot($ARGV[0]) or die "chroot: $!"; chdir("/"); $| = 1; print "ready\\n"; sleep 600', target]);
    try {
      assert.deepEqual(holders({ platform, target }).holders.map(brief), [`${p.pid} root `]);
    } finally {
      await stop(p);
    }
  });

  it('matches by device and inode: a holder in another mount namespace sees another path', { skip: needs('unshare') || (!isRoot && 'needs root') }, async () => {
    const elsewhere = tempDir('ns-mount');
    const script = 'mount --bind "$1" "$2" && exec 3<"$2/data.txt" && echo ready && exec sleep 600';
    const p = await startProcess('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', target, elsewhere]);
    try {
      assert.ok(await eventually(() => holders({ platform, target }).holders.length > 0));
      assert.equal(readlinkSync(`/proc/${p.pid}/fd/3`), join(elsewhere, 'data.txt'), 'the holder names the file by a path that is empty here');
      assert.deepEqual(holders({ platform, target }).holders.map(brief), [`${p.pid} fd data.txt`]);
    } finally {
      await stop(p);
    }
  });

  it('names a holder running as another user (nobody)', { skip: needs('setpriv') || (!isRoot && 'needs root') }, async () => {
    const p = await startProcess('sh', ['-c', 'exec 3<"$1"; echo ready; exec setpriv --reuid=65534 --regid=65534 --clear-groups sleep 600', 'sh', join(target, 'data.txt')]);
    try {
      assert.ok(await eventually(() => holders({ platform, target }).holders.some((h) => h.command === 'sleep 600')));
      const r = holders({ platform, target });
      assert.deepEqual(r.holders.map(brief), [`${p.pid} fd data.txt`]);
      assert.equal(r.holders[0]!.user, 'nobody');
    } finally {
      await stop(p);
    }
  });

  it('reports processes it may not inspect instead of skipping them (scanner as nobody)', { skip: needs('setpriv') || (!isRoot && 'needs root') }, async () => {
    const open = tempDir('open');
    chmodSync(open, 0o755);
    const app = join(open, 'app');
    mkdirSync(app, { mode: 0o755 });
    writeFileSync(join(app, 'shared.txt'), 'shared\n', { mode: 0o644 });
    chmodSync(join(app, 'shared.txt'), 0o644);
    const asRoot = await startProcess('sh', ['-c', 'exec 3<"$1"; echo ready; exec sleep 600', 'sh', join(app, 'shared.txt')]);
    const asNobody = await startProcess('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c', 'exec 3<"$1"; echo ready; exec sleep 600', 'sh', join(app, 'shared.txt')]);
    try {
      const index = new URL('../src/index.js', import.meta.url).pathname;
      const platformIndex = new URL('../src/platform/index.js', import.meta.url).pathname;
      const script = `const m = await import(${JSON.stringify(index)}); const p = (await import(${JSON.stringify(platformIndex)})).selectPlatform();
        const platform = ${engine === 'native' ? 'p' : '{ ...p, scanHolds: (f, q, o) => p.scanHolds(f, q, { ...o, native: false }) }'};
        process.stdout.write(JSON.stringify(m.holdersSync({ platform, target: ${JSON.stringify(app)} })));`;
      const out = execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', script], { cwd: '/' }).toString();
      const r = JSON.parse(out) as ReturnType<typeof holders>;
      assert.deepEqual(r.holders.map(brief), [`${asNobody.pid} fd shared.txt`]);
      assert.deepEqual(r.uninspectable.filter((u) => u.pid === asRoot.pid), [{ pid: asRoot.pid, reason: 'permission' }]);
      assert.ok(r.uninspectable.length >= 1 && r.inspected >= 1);
    } finally {
      await stop(asRoot);
      await stop(asNobody);
    }
  });

  it('counts a process that exited between listing and inspection as vanished, not as an error', async () => {
    const p = await startProcess('sh', ['-c', 'exec 3<"$1"; echo ready; exec sleep 600', 'sh', join(target, 'data.txt')]);
    const files = [{ dev: 0, ino: 0 }];
    await stop(p);
    // 'auto', as `holders` scans: the engine under test.
    assert.deepEqual(platform.scanHolds(files, [p.pid], { secondThread: 'auto' }), { found: [], uninspectable: [], inspected: 0, vanished: 1, secondThread: 0 });
  });

  it('survives processes starting and exiting throughout the scan', async () => {
    const churn = spawn('sh', ['-c', 'while :; do cat "$1" >/dev/null; done', 'sh', join(target, 'data.txt')], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 20; i++) {
        const r = holders({ platform, target });
        for (const h of r.holders) assert.equal(`${h.kind} ${h.path}`, 'fd data.txt');
      }
    } finally {
      await stop(churn);
    }
  });

  it('refuses paths outside the target or missing in it', () => {
    expectCode('USAGE', () => holders({ platform, target, paths: ['../elsewhere'] }));
    expectCode('USAGE', () => holders({ platform, target, paths: ['missing.txt'] }));
    expectCode('TARGET_NOT_FOUND', () => holders({ platform, target: join(target, 'nope') }));
  });
});
