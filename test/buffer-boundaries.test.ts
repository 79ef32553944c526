// Every buffer the pack code reads, decodes, writes or hashes through has a size (CHUNK_SIZE = 1 MiB for
// file reads, blob input and output, the staged writes and hashing; zstd's 128 KiB blocks inside a
// frame; 128 staged files waiting for their fsync). A file whose decoded or stored size sits one byte
// below, on, or one byte above a multiple of one of them must install exactly, as a full blob and as a
// delta, and pass --dry-run; so must 127, 128 and 129 staged files.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspectSync as inspect, installSync as install } from '../src/index.js';
import { CHUNK_SIZE } from '../src/format/hash.js';
import { encodeBlobFromFile } from '../src/format/index.js';
import { noise } from './helpers/binaries.js';
import { copyOf, packFrom, treeOf, trusted, type BuiltPack } from './helpers/packs.js';
import { cleanupTempDirs, hashTree, type TreeSpec } from './helpers/tree.js';

const ZSTD_BLOCK = 128 * 1024;

/** n*size-1, n*size, n*size+1 for each buffer size and n = 1, 2 (plus the empty and one-byte file). */
function boundarySizes(): number[] {
  const sizes = new Set<number>([0, 1]);
  for (const unit of [ZSTD_BLOCK, CHUNK_SIZE]) {
    for (const n of [1, 2]) for (const d of [-1, 0, 1]) sizes.add(n * unit + d);
  }
  return [...sizes].sort((a, b) => a - b);
}

/** Compressible text of exactly `size` bytes; `variant` changes a few lines, as a new version would. */
function text(size: number, variant: number): Buffer {
  const lines: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = `${i % 997 === 0 ? `v${variant} ` : ''}line ${i} of a configuration file that compresses well\n`;
    lines.push(line);
    length += line.length;
  }
  return Buffer.from(lines.join('').slice(0, size));
}

/** Incompressible bytes whose zstd frame (level 3) is exactly `stored` bytes long. */
function noiseStoredAs(stored: number, seed: number): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'servicepack-stored-'));
  try {
    const storedSize = (size: number): number => {
      const file = join(dir, 'f');
      writeFileSync(file, noise(size, seed));
      return encodeBlobFromFile(file, size, 3, () => {}).storedSize;
    };
    // Raw blocks: the frame is the content plus a header and 3 bytes per 128 KiB block.
    let size = stored;
    for (let i = 0; i < 4; i++) {
      const got = storedSize(size);
      if (got === stored) return noise(size, seed);
      size += stored - got;
    }
    throw new Error(`no noise size gives a ${stored}-byte frame`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('buffer boundaries', () => {
  const sizes = boundarySizes();
  const storedSizes = [CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1];
  let built: BuiltPack;

  before(async () => {
    const oldSpec: TreeSpec = { full: {}, delta: {}, stored: {} };
    const newSpec: TreeSpec = { full: {}, delta: {}, stored: {} };
    for (const size of sizes) {
      (newSpec.full as TreeSpec)[`added-${size}`] = text(size, 1);
      // A delta needs both versions of at least 256 bytes (DELTA_MIN_SIZE).
      if (size >= 256) {
        (oldSpec.delta as TreeSpec)[`changed-${size}`] = text(size, 1);
        (newSpec.delta as TreeSpec)[`changed-${size}`] = text(size, 2);
      }
    }
    storedSizes.forEach((stored, i) => ((newSpec.stored as TreeSpec)[`stored-${stored}`] = noiseStoredAs(stored, 101 + i)));
    built = await packFrom(oldSpec, newSpec);
  });
  after(cleanupTempDirs);

  it('the pack holds each boundary as intended: full and delta decoded sizes, full stored sizes', () => {
    const entries = inspect(built.pack).entries.filter((e) => e.storedSize !== undefined);
    const full = entries.filter((e) => e.path.startsWith('full/') && e.delta === false).map((e) => e.path);
    const delta = entries.filter((e) => e.path.startsWith('delta/') && e.delta === true).map((e) => e.path);
    assert.equal(full.length, sizes.length);
    assert.equal(delta.length, sizes.filter((s) => s >= 256).length);
    assert.deepEqual(entries.filter((e) => e.path.startsWith('stored/')).map((e) => [e.path, e.storedSize, e.delta]),
      storedSizes.map((s) => [`stored/stored-${s}`, s, false]));
  });

  it('--dry-run verifies every blob and plans every file', () => {
    const target = copyOf(built.oldDir);
    const plan = install(built.pack, { ...trusted, target, dryRun: true });
    assert.equal(plan.actions.filter((a) => a.type === 'file').length, sizes.length * 2 - sizes.filter((s) => s < 256).length + storedSizes.length);
    assert.equal(hashTree(target), hashTree(built.oldDir));
  });

  it('staged files one below, on and one above the 128 that wait for their fsync together', async () => {
    for (const count of [127, 128, 129]) {
      const files: TreeSpec = {};
      for (let i = 0; i < count; i++) files[`f${i}`] = `file ${i} of ${count}\n`;
      const { oldDir, newDir, pack } = await packFrom({}, { files });
      const target = copyOf(oldDir);
      install(pack, { ...trusted, target });
      assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(newDir), `${count} files`);
    }
  });

  it('install gives exactly the new tree', () => {
    const target = copyOf(built.oldDir);
    install(built.pack, { ...trusted, target });
    assert.deepEqual(treeOf(target), treeOf(built.newDir));
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(built.newDir));
  });
});
