// Unit tests of the tree commitment and its sketch: what a node line covers, and that the sketch names
// exactly the nodes two trees differ in, or says it cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TreeNode } from './manifest.js';
import { commitTree, nodeLine } from './tree-commitment.js';
import { differences, nodeKey, pathPartOf, sketchTree } from './tree-sketch.js';

const file = (n: number, mode = 0o644): TreeNode => ({ type: 'file', sha256: n.toString(16).padStart(64, '0'), size: n, mode });

function tree(count: number): Map<string, TreeNode> {
  const t = new Map<string, TreeNode>([['d', { type: 'dir', mode: 0o755 }]]);
  for (let i = 0; i < count; i++) t.set(`d/f${i}`, file(i));
  return t;
}

test('a node line covers path, type, content and link target, never modes or hard links', () => {
  assert.equal(nodeLine('a b', file(1)), `["a b","file","${'1'.padStart(64, '0')}",1]`);
  assert.equal(nodeLine('l', { type: 'symlink', target: '../x' }), '["l","symlink","../x"]');
  assert.equal(nodeLine('d', { type: 'dir', mode: 0o700 }), '["d","dir"]');
  const a = tree(5);
  const b = new Map([...a].reverse().map(([p, n]) => [p, n.type === 'file' ? { ...n, mode: 0o600, hardlink: 'd/f0' } : n] as [string, TreeNode]));
  assert.deepEqual(commitTree(a), commitTree(b));
  b.set('d/f3', file(33));
  assert.notEqual(commitTree(a).sha256, commitTree(b).sha256);
});

test('the sketch difference names the added, removed and changed nodes', () => {
  const base = tree(3000);
  const found = new Map(base);
  found.delete('d/f10');
  found.set('d/f20', file(999_999));
  found.set('d/extra', file(5));
  const d = differences(sketchTree(base, 64), sketchTree(found, 64));
  assert.ok(d !== null);
  const hex = (keys: Buffer[]) => keys.map((k) => k.toString('hex')).sort();
  assert.deepEqual(hex(d.onlyA), [nodeKey('d/f10', file(10)), nodeKey('d/f20', file(20))].map((k) => k.toString('hex')).sort());
  assert.deepEqual(hex(d.onlyB), [nodeKey('d/f20', file(999_999)), nodeKey('d/extra', file(5))].map((k) => k.toString('hex')).sort());
  assert.equal(pathPartOf(nodeKey('d/f20', file(20))), pathPartOf(nodeKey('d/f20', file(999_999))));
});

test('too many differences for the sketch: null, never a wrong answer', () => {
  const base = tree(1000);
  const found = new Map([...base].map(([p, n], i) => [p, i % 2 === 0 && n.type === 'file' ? file(n.size + 10_000) : n] as [string, TreeNode]));
  assert.equal(differences(sketchTree(base, 16), sketchTree(found, 16)), null);
  assert.deepEqual(differences(sketchTree(base, 16), sketchTree(base, 16)), { onlyA: [], onlyB: [] });
});
