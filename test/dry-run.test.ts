// A dry run verifies the pack and runs the preflight, returns the exact plan, and writes nothing at all:
// not even the `.servicepack/` directory, also when the target does not match.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inspectSync as inspect, installSync as install, type ProgressEvent } from '../src/index.js';
import { copyOf, expectCode, packFrom, trusted } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { cleanupTempDirs, describeTree } from './helpers/tree.js';

describe('install --dry-run', () => {
  after(cleanupTempDirs);

  it('returns the exact plan and changes nothing', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    const before = describeTree(target);
    const events: ProgressEvent[] = [];

    const plan = install(pack, { ...trusted, target, dryRun: true, onEvent: (e) => events.push(e) });
    assert.deepEqual(plan.actions, [
      { path: 'bin/added.txt', action: 'add', type: 'file', bytes: 6, holders: [] },
      { path: 'bin/becomes-link', action: 'change', type: 'symlink', bytes: 0, holders: [] },
      { path: 'bin/link-added', action: 'add', type: 'symlink', bytes: 0, holders: [] },
      { path: 'bin/link-changed', action: 'change', type: 'symlink', bytes: 0, holders: [] },
      { path: 'bin/link-removed', action: 'remove', type: 'symlink', bytes: 0, holders: [] },
      { path: 'bin/script.sh', action: 'change', type: 'file', bytes: 10, holders: [] },
      { path: 'bin/tool', action: 'change', type: 'file', bytes: 16, holders: [] },
      { path: 'docs/old.txt', action: 'remove', type: 'file', bytes: 0, holders: [] },
      { path: 'empty-new', action: 'add', type: 'dir', bytes: 0, holders: [] },
    ]);
    // In 4 KiB blocks: one per staged node (7) plus the content of the three new files; .servicepack/,
    // staging/, staging/<txid>, backup/, backup/<txid>, backup/<txid>/files and the set-aside mirrors bin/
    // and docs/ (8); the key pin and trust/ (2); the backup record, the journal and the new state (3); the lock.
    assert.equal(plan.bytesToWrite, (7 + 3 + 8 + 2 + 3 + 1) * 4096);
    assert.ok(plan.freeBytes > 0);
    assert.equal(plan.fits, plan.bytesToWrite <= plan.freeBytes);
    assert.equal(plan.fits, true);
    assert.deepEqual({ holders: plan.holders, restartNeeded: plan.restartNeeded, hooks: plan.hooks }, { holders: [], restartNeeded: false, hooks: {} });
    assert.deepEqual(
      { dryRun: plan.dryRun, target: plan.target, packId: plan.packId, product: plan.product, from: plan.fromVersion, to: plan.toVersion, kept: plan.keptDirectories },
      { dryRun: true, target, packId: inspect(pack).packId, product: 'acme', from: '1.0', to: '2.0', kept: [] },
    );
    assert.deepEqual(events, [{ type: 'phase', phase: 'verify' }, { type: 'phase', phase: 'preflight' }]);
    assert.deepEqual(describeTree(target), before);
    assert.equal(existsSync(join(target, '.servicepack')), false);
  });

  it('throws BASE_MISMATCH on a mismatching target and creates nothing', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    writeFileSync(join(target, 'bin/tool'), 'not the base\n');
    const before = describeTree(target);
    const err = expectCode('BASE_MISMATCH', () => install(pack, { ...trusted, target, dryRun: true }));
    assert.deepEqual(err.details.mismatches.map((m) => m.path), ['bin/tool']);
    assert.deepEqual(describeTree(target), before);
    assert.equal(existsSync(join(target, '.servicepack')), false);
  });

  it('leaves an installed target and its state untouched', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const next = await packFrom(flatNew, { ...flatNew, 'three.txt': '3\n' }, { from: '2.0', to: '3.0' });
    const target = copyOf(oldDir);
    install(pack, { ...trusted, target });
    const before = describeTree(target);

    const plan = install(next.pack, { ...trusted, target, dryRun: true });
    assert.deepEqual(plan.actions, [{ path: 'three.txt', action: 'add', type: 'file', bytes: 2, holders: [] }]);
    assert.deepEqual(describeTree(target), before);
    // The installed pack again: already installed, nothing to do.
    const again = install(pack, { ...trusted, target, dryRun: true });
    assert.deepEqual([again.alreadyInstalled, again.actions], [true, []]);
    assert.deepEqual(describeTree(target), before);
    assert.deepEqual(describeTree(target, { exclude: ['.servicepack'] }), describeTree(newDir));
  });
});
