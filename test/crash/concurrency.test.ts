// One servicepack process per target: while an install is held mid-commit (its journal written, its
// first set-aside delayed by strace for 30 s: three more runners, each starting Node and an operation
// thread, must fit in it on a loaded machine; 19 s were seen at load average 47), every other install,
// uninstall and recover is refused LOCKED and changes nothing; a lock left by a killed process is taken
// over by the next command, which recovers.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupTempDirs, describeTree } from '../helpers/tree.js';
import { assertFailed, freshTarget, runRunner, scenariosWithPoints, settleTo } from './fault-check.js';
import { startRunner } from './inject.js';
import { straceUnavailable } from './media.js';
import type { Scenario } from './scenarios.js';
import type { CrashPoint } from './strace-log.js';

const skip = straceUnavailable() ?? false;

async function waitFor(path: string, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) if (existsSync(path)) return;
  assert.fail(`${path} did not appear`);
}

describe('concurrent commands and stale locks', { skip }, () => {
  let scenarios: Scenario[] = [];
  let points = new Map<string, CrashPoint[]>();
  before(async () => {
    ({ scenarios, points } = await scenariosWithPoints(2));
  });
  after(cleanupTempDirs);
  const afterJournal = (op: string, name: string): CrashPoint => {
    const all = points.get(op)!;
    const journal = all.find((p) => p.name === 'rename' && /journal\.json"\)$/.test(p.call))!;
    return all.find((p) => p.name === name && p.seq > journal.seq)!;
  };

  for (const op of ['install', 'uninstall']) {
    it(`${op} held mid-commit: install, uninstall and recover are refused LOCKED, nothing mixes`, async () => {
      const s = scenarios.find((x) => x.op === op)!;
      const target = freshTarget(s);
      try {
        const p = afterJournal(op, 'link');
        const first = startRunner([s.op, target, ...s.args], [`inject=link:delay_enter=30000000:when=${p.ordinal}`]);
        await waitFor(join(target, '.servicepack/journal.json'), 10_000);
        const during = describeTree(target, { exclude: ['.servicepack'] });
        const other = scenarios.find((x) => x.op === 'install')!;
        for (const args of [['install', target, ...other.args], ['uninstall', target], ['recover', target]]) {
          const r = await runRunner(args);
          assertFailed(r, 'LOCKED');
          assert.equal(typeof r.json!.error!.details.pid, 'number');
          assert.notEqual(r.json!.error!.details.pid, first.child.pid, 'the lock must name the node process, not strace');
        }
        assert.deepEqual(describeTree(target, { exclude: ['.servicepack'] }), during, 'a refused command changed the target');
        const r = await first.done;
        assert.equal(r.code, 0, JSON.stringify(r.json));
        await settleTo(s, target, 'new');
      } finally {
        rmSync(dirname(target), { recursive: true, force: true });
      }
    });

    it(`${op} killed mid-commit: the next ${op} takes over the stale lock, rolls back, then succeeds`, async () => {
      const s = scenarios.find((x) => x.op === op)!;
      const target = freshTarget(s);
      try {
        const p = afterJournal(op, 'rename');
        const killed = await runRunner([s.op, target, ...s.args], [`inject=rename:signal=SIGKILL:when=${p.ordinal}`]);
        assert.ok(killed.signal === 'SIGKILL' || killed.code === 137, `not killed: ${killed.code}`);
        assert.equal(existsSync(join(target, '.servicepack/lock')), true, 'the killed process held the lock');
        const again = await runRunner([s.op, target, ...s.args]);
        assert.equal(again.code, 0, JSON.stringify(again.json));
        assert.equal(again.json!.recovered!.outcome, 'rolled-back');
        await settleTo(s, target, 'new');
      } finally {
        rmSync(dirname(target), { recursive: true, force: true });
      }
    });
  }
});
