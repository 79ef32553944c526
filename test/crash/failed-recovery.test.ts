// A roll-back that cannot finish leaves the journal pending and the tree a mix of both versions: every
// command must then answer RECOVERY_NEEDED (exit 4) naming the pending transaction, never an error that
// reads "rolled back" (IO_FAILED, exit 1) nor NOT_MANAGED. Real faults: EIO injected with strace on every
// rename from a commit rename on, then an immutable file (chattr +i, EPERM even for root) on ext4.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_PATH } from '../helpers/cli-path.js';
import { cleanupTempDirs, describeTree } from '../helpers/tree.js';
import { assertFailed, freshTarget, pointsOf, runRunner, settleTo } from './fault-check.js';
import { openMedium, powerLossUnavailable, straceUnavailable } from './media.js';
import { makeScenarios, type Scenario } from './scenarios.js';
import type { CrashPoint } from './strace-log.js';

const skip = straceUnavailable() ?? powerLossUnavailable() ?? false;
const sh = (cmd: string, ...args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' });

function cli(...args: string[]): { status: number | null; json: Record<string, any> } {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args, '--json'], { encoding: 'utf8' });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  assert.ok(last.startsWith('{'), `${args.join(' ')}: no JSON result: ${r.stdout}${r.stderr}`);
  return { status: r.status, json: JSON.parse(last) as Record<string, any> };
}

interface PendingJournal {
  txid: string;
  kind: string;
  steps: { op: string; path: string; incoming?: string; aside?: string }[];
}

describe('a roll-back that fails', { skip }, () => {
  let install: Scenario;
  let points: CrashPoint[] = [];
  before(async () => {
    install = (await makeScenarios(2)).find((s) => s.op === 'install')!;
    points = await pointsOf(install);
  });
  after(cleanupTempDirs);

  it('leaves RECOVERY_NEEDED (exit 4) from every command until recover can finish it, then exactly the old tree', async () => {
    const medium = openMedium('ext4');
    let immutable: string | undefined;
    try {
      const target = freshTarget(install, medium.root);
      const journalFile = join(target, '.servicepack/journal.json');
      const journalRename = points.find((p) => p.name === 'rename' && /journal\.json"\)$/.test(p.call))!;
      // The third rename of a staged file into the target: the removals and two swaps are done; it and
      // every rename after it fail, so the automatic roll-back cannot put the old files back either.
      const failFrom = points.filter((p) => p.name === 'rename' && p.seq > journalRename.seq && p.call.includes('/staging/'))[2]!;
      const r = await runRunner(['install', target, ...install.args], [`inject=rename:error=EIO:when=${failFrom.ordinal}+`]);
      assertFailed(r, 'RECOVERY_NEEDED');
      assert.ok(existsSync(journalFile), 'the journal must stay for recover');
      const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as PendingJournal;
      assert.equal(r.json!.error!.details.txid, journal.txid);
      const mixed = describeTree(target, { exclude: ['.servicepack'] });
      assert.notDeepEqual(mixed, install.before, 'the tree should be mixed');
      assert.notDeepEqual(mixed, install.after, 'the tree should be mixed');

      // A file the roll-back must rename the old version over (its swap is done: the target shows the
      // new file, a different inode from the set-aside one) is made immutable.
      const done = journal.steps.find((s) => s.op === 'swap' && s.aside !== undefined && s.incoming !== undefined &&
        existsSync(join(target, '.servicepack', s.aside)) && !sameFile(join(target, s.path), join(target, '.servicepack', s.aside)));
      assert.ok(done !== undefined, 'no swap was done before the fault');
      immutable = join(target, done.path);
      sh('chattr', '+i', immutable);

      const expectPending = (command: string, status: number | null, json: Record<string, any>): void => {
        assert.equal(json.error?.code, 'RECOVERY_NEEDED', `${command}: ${JSON.stringify(json)}`);
        assert.equal(status, 4, `${command}: exit ${status}`);
        assert.equal(json.exitCode, 4, command);
        assert.equal(json.error.details.txid, journal.txid, `${command} names the pending transaction`);
        assert.equal(json.error.details.kind, 'install', command);
        assert.ok(existsSync(journalFile), `${command}: the journal must still be pending`);
        assert.equal((JSON.parse(readFileSync(journalFile, 'utf8')) as PendingJournal).txid, journal.txid);
      };
      const rec = cli('recover', '--target', target);
      expectPending('recover', rec.status, rec.json);
      assert.match(rec.json.error.details.reason, /EPERM/);
      assert.match(rec.json.error.message, new RegExp(`${done.path.replace(/[.]/g, '\\.')}`));
      const ver = cli('verify', '--target', target);
      expectPending('verify', ver.status, ver.json);
      const inst = cli('install', install.args[0]!, '--target', target, '--trusted-key', install.args[1]!);
      expectPending('install', inst.status, inst.json);
      const un = cli('uninstall', '--target', target);
      expectPending('uninstall', un.status, un.json);
      const cl = cli('cleanup', '--target', target);
      expectPending('cleanup', cl.status, cl.json);
      const st = cli('status', '--target', target);
      assert.equal(st.status, 4, 'status exits 4 while a transaction is pending');
      assert.deepEqual(st.json.result.pending, { txid: journal.txid, kind: 'install' });
      // Nothing was changed by any of them: still the same mixed tree.
      assert.deepEqual(describeTree(target, { exclude: ['.servicepack'] }), mixed);

      sh('chattr', '-i', immutable);
      immutable = undefined;
      const fixed = cli('recover', '--target', target);
      assert.equal(fixed.status, 0, JSON.stringify(fixed.json));
      assert.deepEqual(fixed.json.result.result, { outcome: 'rolled-back', txid: journal.txid, kind: 'install' });
      await settleTo(install, target, 'old');
    } finally {
      if (immutable !== undefined) sh('chattr', '-i', immutable);
      medium.close();
    }
  });
});

function sameFile(a: string, b: string): boolean {
  const [sa, sb] = [lstatSync(a), lstatSync(b)];
  return sa.dev === sb.dev && sa.ino === sb.ino;
}
