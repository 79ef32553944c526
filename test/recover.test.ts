// Crash tests: a real child process installs or uninstalls under strace, which kills it with SIGKILL at
// the Nth rename(2) or link(2); recover() must then leave exactly the old or exactly the new tree.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { installSync as install, recoverSync as recover, statusSync as status, uninstallSync as uninstall, verifySync as verify } from '../src/index.js';
import { assertSettled, killedAt, straceSkip } from './helpers/killed-at.js';
import { copyOf, packFrom, stateFilesOf, treeOf, trusted } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { cleanupTempDirs } from './helpers/tree.js';

const skip = straceSkip();
const index = new URL('../src/index.js', import.meta.url).href;
const scripts = {
  install: `import { installSync as install } from '${index}'; install(process.argv[1], { target: process.argv[2], trustedKey: [process.argv[3]] }); console.log('done');`,
  uninstall: `import { uninstallSync as uninstall } from '${index}'; uninstall({ target: process.argv[2] }); console.log('done');`,
};

type Syscall = 'rename' | 'link' | 'unlink';
// An install of flatOld -> flatNew makes 11 renames (record, journal, 2 set-asides, 6 swaps, state),
// 5 links (lock, 4 set-asides) and 3 unlinks (lock temp file, journal, lock); one more call each runs to the end.
const crashPoints: [Syscall, number, string[]][] = [
  ['rename', 12, ['nothing-to-do', 'rolled-back']],
  ['link', 6, ['nothing-to-do', 'rolled-back']],
  ['unlink', 4, ['nothing-to-do', 'rolled-forward']],
];

const runKilledAt = (kind: keyof typeof scripts, syscall: Syscall, n: number, pack: string, target: string): boolean => killedAt(scripts[kind], syscall, n, pack, target);

describe('recovery after a kill at a real syscall', { skip }, () => {
  after(cleanupTempDirs);
  let oldDir = '';
  let newDir = '';
  let pack = '';
  before(async () => {
    ({ oldDir, newDir, pack } = await packFrom(flatOld, flatNew));
  });

  for (const [syscall, last, expectedOutcomes] of crashPoints) {
    it(`install killed at each ${syscall}: recover leaves exactly the old or the new tree`, () => {
      const outcomes = new Set<string>();
      for (let n = 1; n <= last; n++) {
        const target = copyOf(oldDir);
        const killed = runKilledAt('install', syscall, n, pack, target);
        const result = recover({ target }).result;
        outcomes.add(result.outcome);
        const tree = treeOf(target);
        const st = status({ target });
        if (st.version === '2.0') {
          assert.deepEqual(tree, treeOf(newDir), `n=${n}`);
          assert.equal(verify({ target }).ok, true);
        } else {
          assert.equal(st.version, null, `n=${n}`);
          assert.deepEqual(tree, treeOf(oldDir), `n=${n}`);
        }
        assertSettled(target);
        if (!killed) assert.equal(st.version, '2.0', `n=${n} ran to the end`);
      }
      // The kills landed where this syscall is used: before the journal, during the commit, after it.
      assert.deepEqual([...outcomes].sort(), expectedOutcomes);
    });
  }

  it('uninstall killed at each rename: recover leaves exactly the installed or the old tree', () => {
    const outcomes = new Set<string>();
    for (let n = 1; n <= 12; n++) {
      const target = copyOf(oldDir);
      const installed = install(pack, { ...trusted, target });
      runKilledAt('uninstall', 'rename', n, pack, target);
      outcomes.add(recover({ target }).result.outcome);
      const st = status({ target });
      if (st.version === '1.0') {
        assert.deepEqual(treeOf(target), treeOf(oldDir), `n=${n}`);
        assert.deepEqual(st.history, []);
      } else {
        assert.equal(st.version, '2.0', `n=${n}`);
        assert.deepEqual(treeOf(target), treeOf(newDir), `n=${n}`);
        assert.deepEqual(st.history.map((h) => h.txid), [installed.txid]);
        // Not uninstalled: the backup still allows it.
        assert.equal(uninstall({ target }).version, '1.0');
        assert.deepEqual(treeOf(target), treeOf(oldDir), `n=${n}`);
      }
      assertSettled(target);
    }
    assert.ok(outcomes.has('rolled-back'), [...outcomes].join());
  });

  // recover.ts removeOrphans() removes staging and backup dirs but not the temp files of writeFileAtomic
  // (.journal.json.tmp-PID, .state.json.tmp-PID) or of TargetLock.acquire (lock.PID) of a killed process.
  it('recover removes the temp files a killed process left', () => {
    const left: string[] = [];
    for (const [syscall, n] of [['link', 1], ['rename', 2], ['rename', 11]] as const) {
      const target = copyOf(oldDir);
      assert.equal(runKilledAt('install', syscall, n, pack, target), true);
      recover({ target });
      left.push(...stateFilesOf(target).filter((p) => /tmp-|^lock\./.test(p)).map((p) => `${syscall}#${n}: ${p.replace(/\d+$/, 'PID')}`));
    }
    assert.deepEqual(left, []);
  });

  it('a following install settles the interrupted one itself and succeeds', () => {
    const target = copyOf(oldDir);
    // The 6th rename sets aside the first removed path (the 5th moves the key pin into trust/; the
    // tree's listing is one more before the journal): the journal exists, the commit is under way.
    assert.equal(runKilledAt('install', 'rename', 6, pack, target), true);
    const pending = status({ target }).pending;
    assert.notEqual(pending, null);
    assert.equal(pending!.kind, 'install');
    assert.notDeepEqual(treeOf(target), treeOf(oldDir));

    const done = install(pack, { ...trusted, target });
    assert.deepEqual(done.recovered, { outcome: 'rolled-back', txid: pending!.txid, kind: 'install' });
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.equal(status({ target }).version, '2.0');
    assertSettled(target);
  });
});
