// A first install onto an unmanaged target walks and hashes the whole tree once (docs/format.md, "Tree
// commitments"); the files the preflight has just read and hashed are not read a second time while
// their stamp (device, inode, size, modification and change time) is unchanged. Checked three ways: the
// walk takes a known hash as given; a file rewritten after the preflight's read is hashed again; and
// strace counts the opens of each file of a real first install by the CLI.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkBaseTree } from '../src/engine/base-tree.js';
import { openPack } from '../src/format/pack-reader.js';
import { scanInventory } from '../src/inventory/scan-inventory.js';
import { walkTree } from '../src/inventory/walk-tree.js';
import { layoutOf } from '../src/records/layout.js';
import { copyOf, packFrom } from './helpers/packs.js';
import { needs } from './helpers/tools.js';
import { tracedInstall } from './helpers/traced-install.js';
import { cleanupTempDirs, makeTree, sha256OfFile, type TreeSpec } from './helpers/tree.js';

after(cleanupTempDirs);

const big = (seed: number): Buffer => Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * seed) % 251));
const oldSpec: TreeSpec = { 'a.bin': big(3), lib: { 'b.bin': big(5), 'k.txt': 'kept\n' } };
const newSpec: TreeSpec = { 'a.bin': big(7), lib: { 'b.bin': big(11), 'k.txt': 'kept\n' } };

describe('first install onto an unmanaged target', () => {
  it('the walk takes a known hash as given and hashes every other file', () => {
    const root = makeTree(oldSpec);
    const given = 'f'.repeat(64);
    const asked: string[] = [];
    const tree = walkTree(root, { knownHash: (rel) => (asked.push(rel), rel === 'a.bin' ? given : undefined) });
    assert.deepEqual(asked.sort(), ['a.bin', 'lib/b.bin', 'lib/k.txt']);
    assert.deepEqual(tree.get('a.bin'), { type: 'file', sha256: given, size: 300_000, mode: 0o644 });
    assert.equal((tree.get('lib/b.bin') as { sha256: string }).sha256, sha256OfFile(join(root, 'lib/b.bin')));
  });

  it('a file rewritten after the preflight read it is hashed again, one left alone is not', async () => {
    const { pack, oldDir } = await packFrom(oldSpec, newSpec);
    const target = copyOf(oldDir);
    const reader = openPack(pack);
    const manifest = reader.manifest;
    reader.close();
    const paths = ['a.bin', 'lib', 'lib/b.bin'].map((path) => ({ path, listChildren: false }));
    const inventory = scanInventory(target, paths);
    // Same size, new bytes: the stamp's change time (and content) differ from what the scan saw.
    const rewritten = Buffer.from(big(3));
    rewritten[0] = rewritten[0]! ^ 1;
    writeFileSync(join(target, 'lib/b.bin'), rewritten);
    // Had the walk taken the scan's hash of lib/b.bin, the tree would match the base.
    assert.deepEqual(checkBaseTree(layoutOf(target), manifest, null, inventory).mismatches.map((m) => m.path), ['lib/b.bin']);
    writeFileSync(join(target, 'lib/b.bin'), big(5));
    assert.deepEqual(checkBaseTree(layoutOf(target), manifest, null, scanInventory(target, paths)).mismatches, []);
  });

  it('the CLI opens each file the pack changes once, not twice (strace)', { skip: needs('strace') }, async () => {
    const { target, log } = await tracedInstall(oldSpec, newSpec, 'openat');
    const opens = (rel: string): number => readFileSync(log, 'utf8').split('\n').filter((l) => l.includes(`"${join(target, rel)}", O_RDONLY`)).length;
    assert.deepEqual(['a.bin', 'lib/b.bin', 'lib/k.txt'].map(opens), [1, 1, 1]);
  });
});
