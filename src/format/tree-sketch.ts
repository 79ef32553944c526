// An invertible sketch of a tree's nodes (an invertible Bloom lookup table; docs/format.md, "Tree
// commitments"): a few KiB that let an installer find which nodes of its own tree differ from the
// pack's base tree, without the pack listing the base. Subtracting the installer's sketch from the
// pack's leaves only the nodes in one tree and not the other, which peel out one by one while few
// enough differ. A key names its path (by hash) so a differing node can be told from a missing one.
import { createHash } from 'node:crypto';
import type { TreeNode } from './manifest.js';
import { nodeLine } from './tree-commitment.js';

/** Bytes of a key: 8 of SHA-256(path), 8 of SHA-256(node line). */
export const KEY_BYTES = 16;
const CHECK_BYTES = 8;
/** count (i32 LE), key sum, check sum. */
export const CELL_BYTES = 4 + KEY_BYTES + CHECK_BYTES;
/** Each key lands in one cell of each of the three equal parts of the table. */
export const SKETCH_PARTS = 3;
/** Bounds on the cells per part a reader accepts, and those a writer picks. */
export const MAX_CELLS_PER_PART = 1024;
const MIN_WRITTEN = 16;
const MAX_WRITTEN = 128;

export type Sketch = Buffer;

/** The key of one node. */
export function nodeKey(path: string, node: TreeNode): Buffer {
  const pathHash = createHash('sha256').update(path).digest();
  const lineHash = createHash('sha256').update(nodeLine(path, node)).digest();
  return Buffer.concat([pathHash.subarray(0, 8), lineHash.subarray(0, 8)]);
}

/** The first 8 key bytes: which path a key is of (by hash). */
export const pathPartOf = (key: Buffer): string => key.subarray(0, 8).toString('hex');

/**
 * Cells per part for a tree of `nodes` nodes: one per 16 nodes, from 16 to 128 (about 2/3 of the
 * cells can be peeled, so from about 32 to about 250 differing nodes can be named).
 */
export function cellsPerPartFor(nodes: number): number {
  return Math.min(MAX_WRITTEN, Math.max(MIN_WRITTEN, Math.ceil(nodes / 16)));
}

export function emptySketch(cellsPerPart: number): Sketch {
  return Buffer.alloc(cellsPerPart * SKETCH_PARTS * CELL_BYTES);
}

function cellsOf(sketch: Sketch, key: Buffer): { cells: number[]; check: Buffer } {
  const perPart = sketch.length / CELL_BYTES / SKETCH_PARTS;
  const h = createHash('sha256').update(key).digest();
  const cells: number[] = [];
  for (let j = 0; j < SKETCH_PARTS; j++) cells.push(j * perPart + (h.readUInt32LE(4 * j) % perPart));
  return { cells, check: h.subarray(12, 12 + CHECK_BYTES) };
}

/** Adds (count +1) or takes away (count -1) one key. */
export function toggleKey(sketch: Sketch, key: Buffer, count: 1 | -1): void {
  const { cells, check } = cellsOf(sketch, key);
  for (const c of cells) {
    const at = c * CELL_BYTES;
    sketch.writeInt32LE(sketch.readInt32LE(at) + count, at);
    xorInto(sketch, at + 4, key);
    xorInto(sketch, at + 4 + KEY_BYTES, check);
  }
}

function xorInto(buf: Buffer, at: number, bytes: Buffer): void {
  for (let i = 0; i < bytes.length; i++) buf[at + i]! ^= bytes[i]!;
}

/** The sketch of a whole tree. */
export function sketchTree(tree: Iterable<[string, TreeNode]>, cellsPerPart: number): Sketch {
  const sketch = emptySketch(cellsPerPart);
  for (const [path, node] of tree) toggleKey(sketch, nodeKey(path, node), 1);
  return sketch;
}

/** The keys only in the tree of `a` (`onlyA`) and only in that of `b`, or null when too many differ to tell. */
export function differences(a: Sketch, b: Sketch): { onlyA: Buffer[]; onlyB: Buffer[] } | null {
  if (a.length !== b.length) throw new Error('sketches of different sizes');
  const d = Buffer.from(a);
  for (let at = 0; at < d.length; at += CELL_BYTES) {
    d.writeInt32LE(d.readInt32LE(at) - b.readInt32LE(at), at);
    xorInto(d, at + 4, b.subarray(at + 4, at + CELL_BYTES));
  }
  const onlyA: Buffer[] = [];
  const onlyB: Buffer[] = [];
  const total = d.length / CELL_BYTES;
  let progress = true;
  while (progress) {
    progress = false;
    for (let c = 0; c < total; c++) {
      const at = c * CELL_BYTES;
      const count = d.readInt32LE(at);
      if (count !== 1 && count !== -1) continue;
      const key = Buffer.from(d.subarray(at + 4, at + 4 + KEY_BYTES));
      const { check } = cellsOf(d, key);
      if (!check.equals(d.subarray(at + 4 + KEY_BYTES, at + CELL_BYTES))) continue;
      (count === 1 ? onlyA : onlyB).push(key);
      toggleKey(d, key, count === 1 ? -1 : 1);
      progress = true;
    }
  }
  return d.every((byte) => byte === 0) ? { onlyA, onlyB } : null;
}
