import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TreeNode } from '../format/manifest.js';
import { planSteps } from './plan-steps.js';

const file = (sha256: string): TreeNode => ({ type: 'file', sha256, size: 1, mode: 0o644 });
const dir: TreeNode = { type: 'dir', mode: 0o755 };
const link = (target: string): TreeNode => ({ type: 'symlink', target });
const naming = { incoming: (p: string) => `in/${p}`, aside: (p: string) => `aside/${p}` };

describe('planSteps', () => {
  it('orders removals deepest first, then new directories, then swaps in path order', () => {
    const steps = planSteps([
      { path: 'b/new.txt', from: null, to: file('1') },
      { path: 'a', from: dir, to: null },
      { path: 'a/x', from: file('2'), to: null },
      { path: 'b', from: null, to: dir },
      { path: 'c', from: file('3'), to: file('4') },
      { path: 'a/y', from: dir, to: null },
    ], naming);
    assert.deepEqual(steps, [
      { op: 'rmdir', path: 'a/y', mode: 0o755 },
      { op: 'swap', path: 'a/x', aside: 'aside/a/x' },
      { op: 'rmdir', path: 'a', mode: 0o755 },
      { op: 'mkdir', path: 'b', mode: 0o755 },
      { op: 'swap', path: 'b/new.txt', incoming: 'in/b/new.txt' },
      { op: 'swap', path: 'c', incoming: 'in/c', aside: 'aside/c' },
    ]);
  });

  it('replaces a file by a symlink in one swap, and a directory by a file as removal plus addition', () => {
    assert.deepEqual(planSteps([{ path: 'l', from: file('1'), to: link('t') }], naming), [
      { op: 'swap', path: 'l', incoming: 'in/l', aside: 'aside/l' },
    ]);
    assert.deepEqual(planSteps([{ path: 'd', from: dir, to: file('1') }, { path: 'f', from: file('2'), to: dir }], naming), [
      { op: 'swap', path: 'f', aside: 'aside/f' },
      { op: 'rmdir', path: 'd', mode: 0o755 },
      { op: 'mkdir', path: 'f', mode: 0o755 },
      { op: 'swap', path: 'd', incoming: 'in/d' },
    ]);
  });

  it('sorts by UTF-8 bytes so a directory comes before its children', () => {
    const steps = planSteps([
      { path: 'a-b', from: null, to: dir },
      { path: 'a/c', from: null, to: dir },
      { path: 'a', from: null, to: dir },
    ], naming);
    assert.deepEqual(steps.map((s) => s.path), ['a', 'a-b', 'a/c']);
  });
});
