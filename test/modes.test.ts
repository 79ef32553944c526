// Modes, owners, hard links and holes across an install: a file never becomes more accessible than both
// the release and the file it replaces, replaced files keep their owner, links within a release stay
// links, sparse release files stay sparse, and verify reports mode and owner differences exactly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, linkSync, lstatSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build, installSync as install, uninstallSync as uninstall, verifySync as verify } from '../src/index.js';
import { CLI_PATH } from './helpers/cli-path.js';
import { testKey } from './helpers/keys.js';
import { copyOf, expectCode, packFrom, trusted } from './helpers/packs.js';
import { cleanupTempDirs, makeTree, tempDir } from './helpers/tree.js';

const modeOf = (p: string): number => lstatSync(p).mode & 0o7777;
const ownerOf = (p: string): string => `${lstatSync(p).uid}:${lstatSync(p).gid}`;

async function packOf(oldDir: string, newDir: string, keepSpecialBits = false) {
  const pack = join(tempDir('pack'), 'sp.svp');
  const result = await build({ oldDir, newDir, out: pack, product: 'acme', fromVersion: '1.0', toVersion: '2.0', level: 3, sign: testKey.key, keepSpecialBits });
  return { pack, result };
}

function cliJson(...args: string[]): { exitCode: number; result: Record<string, unknown> } {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args, '--json'], { encoding: 'utf8' });
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { exitCode: number; result: Record<string, unknown> };
  assert.equal(r.status, last.exitCode);
  return last;
}

describe('modes, owners, links and holes', () => {
  after(cleanupTempDirs);

  it('a changed 0600 secret stays 0600, and a mode-only difference is no base mismatch', async () => {
    const { oldDir, pack } = await packFrom({ 'secret.conf': 'key=1\n', 'app.conf': 'a=1\n' }, { 'secret.conf': 'key=2\n', 'app.conf': 'a=2\n' });
    const target = copyOf(oldDir);
    chmodSync(join(target, 'secret.conf'), 0o600);
    chmodSync(join(target, 'app.conf'), 0o640);
    install(pack, { ...trusted, target });
    assert.equal(modeOf(join(target, 'secret.conf')), 0o600);
    assert.equal(modeOf(join(target, 'app.conf')), 0o640);
    assert.equal(verify({ target }).ok, true);
    uninstall({ target });
    assert.deepEqual(verify({ target }).attributes, []);
    assert.equal(modeOf(join(target, 'secret.conf')), 0o600);
  });

  it('execute follows the release only for classes that may read the file', async () => {
    const oldDir = makeTree({ tool: { content: 'echo 1\n', mode: 0o644 } });
    const newDir = makeTree({ tool: { content: 'echo 2\n', mode: 0o755 } });
    const { pack } = await packOf(oldDir, newDir);
    const target = copyOf(oldDir);
    chmodSync(join(target, 'tool'), 0o640);
    install(pack, { ...trusted, target });
    assert.equal(modeOf(join(target, 'tool')), 0o750);
  });

  it('a release records directory modes: a new 0700 directory is 0700, a 0755 -> 0750 change is made and undone', async () => {
    const oldDir = makeTree({ shared: { a: 'a' } });
    const newDir = makeTree({ shared: { a: 'a' }, private: { key: { content: 'k', mode: 0o600 } } });
    chmodSync(join(newDir, 'private'), 0o700);
    chmodSync(join(newDir, 'shared'), 0o750);
    const { pack } = await packOf(oldDir, newDir);
    const target = copyOf(oldDir);
    install(pack, { ...trusted, target });
    assert.equal(modeOf(join(target, 'private')), 0o700);
    assert.equal(modeOf(join(target, 'private/key')), 0o600);
    assert.equal(modeOf(join(target, 'shared')), 0o750);
    assert.equal(verify({ target }).ok, true);
    uninstall({ target });
    assert.equal(modeOf(join(target, 'shared')), 0o755);
  });

  it('setuid is recorded only with keepSpecialBits, and kept only where the replaced file had it', async () => {
    const oldDir = makeTree({ su: { content: 'v1', mode: 0o4755 }, plain: { content: 'v1', mode: 0o755 } });
    const newDir = makeTree({ su: { content: 'v2', mode: 0o4755 }, plain: { content: 'v2', mode: 0o4755 } });
    const dropped = await packOf(oldDir, newDir);
    assert.deepEqual(dropped.result.specialBitsDropped, ['plain', 'su']);
    const t1 = copyOf(oldDir);
    install(dropped.pack, { ...trusted, target: t1 });
    assert.deepEqual([modeOf(join(t1, 'su')), modeOf(join(t1, 'plain'))], [0o755, 0o755]);

    const kept = await packOf(oldDir, newDir, true);
    assert.deepEqual(kept.result.specialBitsDropped, []);
    const t2 = copyOf(oldDir);
    chmodSync(join(t2, 'su'), 0o4755);
    install(kept.pack, { ...trusted, target: t2 });
    assert.deepEqual([modeOf(join(t2, 'su')), modeOf(join(t2, 'plain'))], [0o4755, 0o755]);
  });

  it('a replaced file keeps its owner; verify reports owner and mode changes exactly, in --json too', async () => {
    const { oldDir, pack } = await packFrom({ 'data.conf': 'v1\n', dir: {} }, { 'data.conf': 'v2\n', dir: {}, 'new.txt': 'n' });
    const target = copyOf(oldDir);
    chownSync(join(target, 'data.conf'), 1234, 2345);
    chmodSync(join(target, 'data.conf'), 0o640);
    install(pack, { ...trusted, target });
    assert.equal(ownerOf(join(target, 'data.conf')), '1234:2345');
    assert.equal(modeOf(join(target, 'data.conf')), 0o640);
    assert.equal(ownerOf(join(target, 'new.txt')), '0:0');
    assert.equal(verify({ target }).ok, true);

    chownSync(join(target, 'data.conf'), 0, 0);
    chmodSync(join(target, 'data.conf'), 0o644);
    chmodSync(join(target, 'dir'), 0o777);
    const v = cliJson('verify', '--target', target);
    assert.equal(v.exitCode, 1);
    assert.deepEqual(v.result.attributes, [
      { path: 'data.conf', kind: 'mode', expected: '0640', actual: '0644' },
      { path: 'data.conf', kind: 'owner', expected: '1234:2345', actual: '0:0' },
      { path: 'dir', kind: 'mode', expected: '0755', actual: '0777' },
    ]);
    assert.deepEqual([v.result.modified, v.result.missing, v.result.unexpected], [[], [], []]);

    chownSync(join(target, 'data.conf'), 1234, 2345);
    chmodSync(join(target, 'data.conf'), 0o640);
    chmodSync(join(target, 'dir'), 0o755);
    uninstall({ target });
    assert.equal(ownerOf(join(target, 'data.conf')), '1234:2345');
    assert.deepEqual(verify({ target }).attributes, []);
    chownSync(join(target, 'data.conf'), 0, 0);
    assert.deepEqual(verify({ target }).attributes, [{ path: 'data.conf', kind: 'owner', expected: '1234:2345', actual: '0:0' }]);
  });

  it('the CLI warns about dropped special bits and prints mode differences', async () => {
    const oldDir = makeTree({ su: { content: 'v1', mode: 0o755 } });
    const newDir = makeTree({ su: { content: 'v2', mode: 0o4755 } });
    const out = join(tempDir('pack'), 'sp.svp');
    const r = spawnSync(process.execPath, [CLI_PATH, 'build', oldDir, newDir, '--out', out, '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--level', '3', '--sign', testKey.key], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^warning: su: setuid, setgid or sticky bit not recorded \(build with --keep-special-bits to keep it\)$/m);
    const kept = spawnSync(process.execPath, [CLI_PATH, 'build', oldDir, newDir, '--out', out, '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--force', '--level', '3', '--keep-special-bits'], { encoding: 'utf8' });
    assert.equal(kept.status, 0, kept.stderr);
    assert.doesNotMatch(kept.stdout, /warning/);

    const target = copyOf(oldDir);
    install(out, { target, allowUnsigned: true });
    chmodSync(join(target, 'su'), 0o777);
    const v = spawnSync(process.execPath, [CLI_PATH, 'verify', '--target', target], { encoding: 'utf8' });
    assert.equal(v.status, 1);
    assert.match(v.stdout, /1 mode or owner differences\n {2}mode {7}su \(expected 0755, actual 0777\)\n$/);
  });

  it('hard links within a release are installed as links, also to a file the pack leaves alone', async () => {
    const oldDir = makeTree({ 'a.bin': 'one', 'keep.bin': 'same' });
    const newDir = makeTree({ 'a.bin': 'two', 'keep.bin': 'same' });
    linkSync(join(newDir, 'a.bin'), join(newDir, 'b.bin'));
    linkSync(join(newDir, 'keep.bin'), join(newDir, 'z.bin'));
    const { pack } = await packOf(oldDir, newDir);
    const target = copyOf(oldDir);
    install(pack, { ...trusted, target });
    assert.equal(lstatSync(join(target, 'a.bin')).ino, lstatSync(join(target, 'b.bin')).ino);
    assert.equal(lstatSync(join(target, 'a.bin')).nlink, 2);
    assert.equal(lstatSync(join(target, 'keep.bin')).ino, lstatSync(join(target, 'z.bin')).ino);
    assert.equal(verify({ target }).ok, true);
    uninstall({ target });
    assert.equal(lstatSync(join(target, 'a.bin')).nlink, 1);
    assert.equal(lstatSync(join(target, 'keep.bin')).nlink, 1);
    assert.equal(verify({ target }).ok, true);
  });

  it('a hard link to a file the pack leaves alone: that file is checked like a base file', async () => {
    const oldDir = makeTree({ 'keep.bin': 'same' });
    const newDir = makeTree({ 'keep.bin': 'same' });
    linkSync(join(newDir, 'keep.bin'), join(newDir, 'z.bin'));
    const { pack } = await packOf(oldDir, newDir);
    const target = copyOf(oldDir);
    writeFileSync(join(target, 'keep.bin'), 'local');
    const err = expectCode('BASE_MISMATCH', () => install(pack, { ...trusted, target }));
    assert.deepEqual(err.details.mismatches.map((m) => m.path), ['keep.bin']);
    assert.equal(lstatSync(join(target, 'z.bin'), { throwIfNoEntry: false }), undefined);
  });

  it('as another user, a file owned by someone else is replaced with the installer as owner, the stricter mode and a warning', async () => {
    const { oldDir, pack } = await packFrom({ 'theirs.conf': 'v1\n', 'mine.conf': 'v1\n' }, { 'theirs.conf': 'v2\n', 'mine.conf': 'v2\n' });
    const target = copyOf(oldDir);
    for (let dir = target; dir !== '/'; dir = join(dir, '..')) {
      if (dir.startsWith(tmpdir()) && dir !== tmpdir()) chmodSync(dir, 0o755);
    }
    chmodSync(join(testKey.pub, '..'), 0o755);
    for (const p of [target, join(target, 'mine.conf'), pack, join(pack, '..')]) chownSync(p, 4321, 4321);
    chownSync(join(target, 'theirs.conf'), 2000, 2000);
    chmodSync(join(target, 'theirs.conf'), 0o604);
    chmodSync(join(target, 'mine.conf'), 0o600);
    const r = spawnSync(process.execPath, [CLI_PATH, 'install', pack, '--target', target, '--trusted-key', testKey.pub, '--json'], { encoding: 'utf8', uid: 4321, gid: 4321 });
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; code?: string; message?: string; ok?: boolean });
    assert.equal(lines.at(-1)?.ok, true, r.stdout + r.stderr);
    assert.deepEqual(lines.filter((l) => l.type === 'warning').map((l) => [l.code, l.message]), [
      ['OWNER_NOT_KEPT', 'theirs.conf belonged to uid 2000 gid 2000; only root can give the new file that owner, so it belongs to the installing user (mode 0604)'],
    ]);
    assert.equal(ownerOf(join(target, 'theirs.conf')), '4321:4321');
    assert.equal(modeOf(join(target, 'theirs.conf')), 0o604);
    assert.equal(ownerOf(join(target, 'mine.conf')), '4321:4321');
    assert.equal(modeOf(join(target, 'mine.conf')), 0o600);
    // verify as the installing user: root refuses a state directory another user owns (STATE_UNSAFE).
    const v = spawnSync(process.execPath, [CLI_PATH, 'verify', '--target', target, '--json'], { encoding: 'utf8', uid: 4321, gid: 4321 });
    const result = JSON.parse(v.stdout.trim().split('\n').at(-1)!) as { ok: boolean; result: { attributes: unknown[] } };
    assert.equal(result.ok, true, v.stdout + v.stderr);
    assert.deepEqual(result.result.attributes, []);
  });

  it('a sparse release file is installed with its holes; a dense file of zeros stays dense', async () => {
    const oldDir = makeTree({});
    const newDir = makeTree({ 'dense.img': Buffer.alloc((1 << 20) + 4096) });
    const fd = openSync(join(newDir, 'sparse.img'), 'w', 0o644);
    writeSync(fd, Buffer.from('head'), 0, 4, 0);
    writeSync(fd, Buffer.from('tail'), 0, 4, 8 << 20);
    closeSync(fd);
    const { pack } = await packOf(oldDir, newDir);
    const target = copyOf(oldDir);
    install(pack, { ...trusted, target });
    const sparse = lstatSync(join(target, 'sparse.img'));
    assert.equal(sparse.size, (8 << 20) + 4);
    assert.ok(sparse.blocks * 512 <= 64 * 1024, `sparse.img uses ${sparse.blocks * 512} bytes`);
    const dense = lstatSync(join(target, 'dense.img'));
    assert.ok(dense.blocks * 512 >= 1 << 20, `dense.img uses ${dense.blocks * 512} bytes`);
    assert.equal(verify({ target }).ok, true);
  });
});
