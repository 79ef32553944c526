// Per-file deltas end to end on small synthetic binaries: install and uninstall with delta blobs, packs
// that do not depend on the thread count, --no-delta and inspect's ratio on the real CLI, a damaged
// delta, and an old file that changes after the preflight. Every failure leaves the old tree, exactly.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { build, inspectSync as inspect, installSync as install, uninstallSync as uninstall } from '../src/index.js';
import { openPack } from '../src/format/pack-reader.js';
import { noise, revise } from './helpers/binaries.js';
import { copyOf, expectCode, packFrom, treeOf, trusted } from './helpers/packs.js';
import { cleanupTempDirs, makeTree, sha256OfFile, tempDir, type TreeSpec } from './helpers/tree.js';
import { CLI_PATH } from './helpers/cli-path.js';

const main = CLI_PATH;
const appV1 = noise(96 * 1024, 11);
const appV2 = revise(appV1);
const oldSpec: TreeSpec = {
  bin: { app: { content: appV1, mode: 0o755 }, 'notes.txt': 'small file v1\n' },
  lib: { 'plugin.so': noise(8 * 1024, 12) },
};
const newSpec: TreeSpec = {
  bin: { app: { content: appV2, mode: 0o755 }, 'app-copy': appV2, 'notes.txt': 'small file v2\n' },
  lib: { 'plugin.so': noise(8 * 1024, 13) },
};

describe('per-file deltas', () => {
  after(cleanupTempDirs);

  it('stores a changed binary as a delta, installs it exactly and uninstalls back', async () => {
    const { oldDir, newDir, pack } = await packFrom(oldSpec, newSpec);
    const rows = inspect(pack).entries.filter((e) => e.storedSize !== undefined).map((e) => [e.path, e.delta, e.ratio! < 0.05]);
    // app-copy shares app's blob (staged as a copy); plugin.so is unrelated noise, so full wins; notes.txt is under 256 bytes.
    assert.deepEqual(rows, [['bin/app', true, true], ['bin/app-copy', true, true], ['bin/notes.txt', false, false], ['lib/plugin.so', false, false]]);
    const target = copyOf(oldDir);
    install(pack, { ...trusted, target });
    assert.deepEqual(treeOf(target), treeOf(newDir));
    uninstall({ target });
    assert.deepEqual(treeOf(target), treeOf(oldDir));
  });

  it('gives the same pack bytes on the calling thread and on 2 worker threads', async () => {
    const oldDir = makeTree(oldSpec);
    const newDir = makeTree(newSpec);
    const dir = tempDir('threads');
    const packs = [];
    for (const threads of [0, 2]) {
      const out = join(dir, `t${threads}.svp`);
      const r = await build({ oldDir, newDir, out, level: 3, threads });
      assert.equal(r.deltas, 1);
      packs.push(readFileSync(out));
    }
    assert.ok(packs[0]!.equals(packs[1]!));
  });

  it('CLI: build --no-delta stores every file in full; inspect shows each delta and its ratio', () => {
    const oldDir = makeTree(oldSpec);
    const newDir = makeTree(newSpec);
    const dir = tempDir('cli-delta');
    const run = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8' });
    const full = run('build', oldDir, newDir, '--out', join(dir, 'full.svp'), '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--level', '3', '--no-delta', '--json');
    assert.equal(full.status, 0, full.stderr);
    const fullResult = JSON.parse(full.stdout.trim().split('\n').at(-1)!).result;
    assert.equal(fullResult.deltas, 0);
    const small = run('build', oldDir, newDir, '--out', join(dir, 'delta.svp'), '--product', 'acme', '--from-version', '1.0', '--to-version', '2.0', '--level', '3');
    assert.equal(small.status, 0, small.stderr);
    assert.match(small.stdout, /, 3 blobs, 1 of them deltas\)/);
    assert.ok(inspect(join(dir, 'delta.svp')).size < fullResult.size - 90_000);
    const app = inspect(join(dir, 'delta.svp')).entries.find((e) => e.path === 'bin/app')!;
    assert.equal(app.ratio, app.storedSize! / appV2.length);
    const shown = run('inspect', join(dir, 'delta.svp'), '-v');
    const line = `bin/app (${appV2.length} bytes, stored ${app.storedSize} as a delta (zstd-patch), ${(app.ratio! * 100).toFixed(2)}%)`;
    assert.ok(shown.stdout.split('\n').some((l) => l.endsWith(line)), shown.stdout);
    assert.match(shown.stdout, /bin\/notes\.txt \(14 bytes, stored \d+ \(zstd\), \d+\.\d\d%\)/);
    assert.ok(!inspect(join(dir, 'full.svp')).entries.some((e) => e.delta === true));
  });

  it('a damaged delta is PACK_CORRUPT naming the file; the target keeps the old tree', async () => {
    const { oldDir, pack } = await packFrom(oldSpec, newSpec);
    const reader = openPack(pack);
    const blob = reader.manifest.blobs.find((b) => b.encoding === 'zstd-patch')!;
    const at = reader.payloadOffset + blob.offset + Math.floor(blob.storedSize / 2);
    reader.close();
    const bytes = readFileSync(pack);
    bytes[at] = bytes[at]! ^ 0x40;
    writeFileSync(pack, bytes);
    const target = copyOf(oldDir);
    const err = expectCode('PACK_CORRUPT', () => install(pack, { ...trusted, target }));
    assert.equal(err.details.entry, 'bin/app');
    assert.deepEqual(treeOf(target), treeOf(oldDir));
    assert.equal(existsSync(join(target, '.servicepack')), false);
  });

  it('an old file changed after the preflight is DELTA_BASE_MISMATCH naming it; nothing else changes', async () => {
    const { oldDir, pack } = await packFrom(oldSpec, newSpec);
    const target = copyOf(oldDir);
    const tampered = Buffer.from(appV1);
    tampered[5000] = tampered[5000]! ^ 1;
    const err = expectCode('DELTA_BASE_MISMATCH', () => install(pack, {
      ...trusted,
      target,
      // Between the preflight (which hashed bin/app) and staging (which reads it as the delta's base).
      onEvent: (e) => { if (e.type === 'phase' && e.phase === 'stage') writeFileSync(join(target, 'bin/app'), tampered); },
    }));
    assert.deepEqual(err.details, { target, path: 'bin/app', expected: sha256OfFile(join(oldDir, 'bin/app')), actual: sha256OfFile(join(target, 'bin/app')) });
    const expected = makeTree({ ...oldSpec, bin: { ...(oldSpec.bin as TreeSpec), app: { content: tampered, mode: 0o755 } } });
    assert.deepEqual(treeOf(target), treeOf(expected));
    assert.equal(existsSync(join(target, '.servicepack')), false, 'a failed first install leaves no state behind');
  });
});
