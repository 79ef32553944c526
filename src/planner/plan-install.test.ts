import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Manifest, ManifestEntry, TreeNode } from '../format/manifest.js';
import type { ActualNode } from '../inventory/inventory.js';
import { pathsToInspect, planInstall } from './plan-install.js';

const file = (sha256: string): TreeNode => ({ type: 'file', sha256, size: 3, mode: 0o644 });
const dir: TreeNode = { type: 'dir', mode: 0o755 };
const manifest = (entries: ManifestEntry[]): Manifest => ({ format: 1, product: 'p', fromVersion: '1', toVersion: '2', entries, blobs: [] });
const inv = (o: Record<string, ActualNode>) => new Map(Object.entries(o));

const m = manifest([
  { path: 'bin', action: 'keep', new: dir },
  { path: 'bin/a', action: 'change', old: file('a1'), new: file('a2'), blob: 0 },
  { path: 'bin/b', action: 'add', new: file('b2'), blob: 1 },
  { path: 'bin/c', action: 'remove', old: file('c1') },
  { path: 'bin/same', action: 'keep', new: file('s') },
  { path: 'old', action: 'remove', old: dir },
  { path: 'old/x', action: 'remove', old: file('x1') },
]);

describe('pathsToInspect', () => {
  it('lists touched entries and their ancestors, with children only for removed directories', () => {
    assert.deepEqual(pathsToInspect(m), [
      { path: 'bin/a', listChildren: false },
      { path: 'bin', listChildren: false },
      { path: 'bin/b', listChildren: false },
      { path: 'bin/c', listChildren: false },
      { path: 'old', listChildren: true },
      { path: 'old/x', listChildren: false },
    ]);
  });
});

describe('planInstall', () => {
  const base = { bin: { node: dir }, 'bin/a': { node: file('a1') }, 'bin/b': { node: null }, 'bin/c': { node: file('c1') }, old: { node: dir, children: ['x'] }, 'old/x': { node: file('x1') } };

  it('turns a matching base into transitions', () => {
    const r = planInstall(m, inv(base));
    assert.deepEqual(r.mismatches, []);
    assert.deepEqual(r.keptDirectories, []);
    assert.deepEqual(r.transitions, [
      { path: 'bin/a', from: file('a1'), to: file('a2') },
      { path: 'bin/b', from: null, to: file('b2') },
      { path: 'bin/c', from: file('c1'), to: null },
      { path: 'old', from: dir, to: null },
      { path: 'old/x', from: file('x1'), to: null },
    ]);
  });

  it('lists every mismatch with expected and actual', () => {
    const r = planInstall(m, inv({ ...base, 'bin/a': { node: file('zz') }, 'bin/b': { node: file('other') }, 'bin/c': { node: null } }));
    assert.deepEqual(r.mismatches, [
      { path: 'bin/a', expected: 'a1', actual: 'zz' },
      { path: 'bin/b', expected: 'absent', actual: 'other' },
      { path: 'bin/c', expected: 'c1', actual: 'absent' },
    ]);
  });

  it('refuses a symlink where the pack expects a directory (no writing through links)', () => {
    const r = planInstall(m, inv({ ...base, bin: { node: { type: 'symlink', target: '/etc' } } }));
    assert.deepEqual(r.mismatches, [{ path: 'bin', expected: 'directory', actual: 'symlink -> /etc' }]);
  });

  it('replaces an added file that already exists with the same content, so uninstall restores it', () => {
    const r = planInstall(m, inv({ ...base, 'bin/b': { node: file('b2') } }));
    assert.deepEqual(r.transitions.find((t) => t.path === 'bin/b'), { path: 'bin/b', from: file('b2'), to: file('b2') });
  });

  it('keeps a removed directory that holds files unknown to the pack', () => {
    const r = planInstall(m, inv({ ...base, old: { node: dir, children: ['x', 'user-notes.txt'] } }));
    assert.deepEqual(r.keptDirectories, ['old']);
    assert.equal(r.transitions.some((t) => t.path === 'old'), false);
    assert.equal(r.transitions.some((t) => t.path === 'old/x'), true);
  });
});

describe('planInstall at the entry bound', () => {
  // Before, every transition was looked up in the list of the ones kept (quadratic: about 5 x 10^11
  // comparisons here, minutes of CPU); it must be linear. Bounded in CPU time, not wall time.
  it('plans 1,000,000 removed directories, 1,000 of them kept above an unknown file, in under 10 s of CPU', () => {
    const entries: ManifestEntry[] = [];
    const inventory = new Map<string, ActualNode>();
    for (let i = 0; i < 1000; i++) {
      const top = `d${String(i).padStart(3, '0')}`;
      entries.push({ path: top, action: 'remove', old: dir });
      inventory.set(top, { node: dir, children: [] });
      for (let j = 0; j < 999; j++) {
        const path = `${top}/${String(j).padStart(3, '0')}`;
        entries.push({ path, action: 'remove', old: dir });
        // The last directory of each top-level one holds a file the pack does not know: it and its parent stay.
        inventory.set(path, { node: dir, children: j === 998 ? ['unknown'] : [] });
      }
    }
    const start = process.cpuUsage();
    const plan = planInstall(manifest(entries), inventory);
    const used = process.cpuUsage(start);
    assert.ok((used.user + used.system) / 1e6 < 10, `used ${((used.user + used.system) / 1e6).toFixed(1)} s of CPU`);
    assert.deepEqual([plan.transitions.length, plan.keptDirectories.length, plan.mismatches.length], [1_000_000 - 2000, 2000, 0]);
    assert.deepEqual(plan.keptDirectories.slice(0, 2), ['d000', 'd000/998']);
  });
});
