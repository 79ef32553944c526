// Nothing under .servicepack/ is trusted as a path (docs/trust.md, "The state directory"): for each
// way a state directory can point outside the target (a symlinked directory, a record whose paths
// escape, a state directory another user owns or can write), every command ends in its exact code,
// a directory beside the target is unchanged hash for hash, and the target is the installed version.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanupSync as cleanup, installSync as install, recoverSync as recover, statusSync as status, trustSync as trust, uninstallSync as uninstall, verifySync as verify, type ErrorCode, type ServicePackError } from '../src/index.js';
import { CLI_PATH } from './helpers/cli-path.js';
import { trusted } from './helpers/keys.js';
import { expectCode, packFrom } from './helpers/packs.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, hashTree, makeTree, tempDir, type TreeSpec } from './helpers/tree.js';

const v1: TreeSpec = { bin: { tool: 'tool v1\n' }, 'readme.txt': 'hello\n' };
const v2: TreeSpec = { bin: { tool: 'tool v2\n' }, 'readme.txt': 'hello\n', 'new.txt': 'new\n' };
const v3: TreeSpec = { bin: { tool: 'tool v3\n' }, 'readme.txt': 'hello\n', 'new.txt': 'newer\n' };
const v2other: TreeSpec = { bin: { tool: 'tool v2 patched\n' }, 'readme.txt': 'hello\n', 'new.txt': 'new\n' };
/** What lies beside the target: files, a directory, and a temp-file name a dead writer would leave (pid > pid_max). */
const victimSpec: TreeSpec = { 'victim.txt': 'precious\n', sub: { 'deep.txt': 'deep\n' }, '.state.json.tmp-99999': 'lure\n' };
const TXID = '20260101T000000Z-0badc0de';
const isRoot = process.geteuid?.() === 0;

let packs: { to2: string; to3: string; mismatched: string };

interface Scene {
  root: string;
  target: string;
  sp: string;
  outside: string;
  /** The txid of the installed service pack (1.0 -> 2.0). */
  txid: string;
  /** The target's hash at 2.0, without .servicepack/. */
  v2: string;
}

/** root/install at version 2.0 (installed by a service pack), root/outside beside it. */
function installedScene(): Scene {
  const root = tempDir('confine');
  const target = join(root, 'install');
  cpSync(makeTree(v1), target, { recursive: true });
  const { txid } = install(packs.to2, { ...trusted, target });
  const outside = makeTree(victimSpec, join(root, 'outside'));
  return { root, target, sp: join(target, '.servicepack'), outside, txid, v2: hashTree(target, { exclude: ['.servicepack'] }) };
}

type Command = 'install' | 'install (failing)' | 'dry-run' | 'uninstall' | 'recover' | 'cleanup' | 'status' | 'verify';
const commands: Record<Command, (target: string) => unknown> = {
  install: (target) => install(packs.to3, { ...trusted, target }),
  'install (failing)': (target) => install(packs.mismatched, { ...trusted, target }),
  'dry-run': (target) => install(packs.to3, { ...trusted, target, dryRun: true }),
  uninstall: (target) => uninstall({ target }),
  recover: (target) => recover({ target }),
  cleanup: (target) => cleanup({ target }),
  status: (target) => status({ target }),
  verify: (target) => verify({ target }),
};
const allCommands = Object.keys(commands) as Command[];

interface Attack {
  name: string;
  plant(s: Scene): void;
  /** The code each command must end in. */
  expect: Partial<Record<Command, ErrorCode>>;
  /** More to assert on the error. */
  check?(err: ServicePackError, s: Scene): void;
}

const everyCommand = (code: ErrorCode): Partial<Record<Command, ErrorCode>> => Object.fromEntries(allCommands.map((c) => [c, code]));

function replaceBySymlink(s: Scene, rel: string): void {
  rmSync(join(s.sp, rel), { recursive: true, force: true });
  symlinkSync(s.outside, join(s.sp, rel));
}

function writeJournal(s: Scene, fields: object): void {
  const journal = { journalVersion: 1, txid: TXID, kind: 'install', steps: [], afterCommit: [`staging/${TXID}`], afterRollback: [`staging/${TXID}`, `backup/${TXID}`], ...fields };
  writeFileSync(join(s.sp, 'journal.json'), `${JSON.stringify(journal)}\n`);
}

function editJson(file: string, edit: (v: Record<string, any>) => void): void {
  const v = JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;
  edit(v);
  writeFileSync(file, JSON.stringify(v));
}

// Commands that never read the journal (dry-run and verify compare files) are left out of the journal
// attacks: they cannot be steered by it.
const journalReaders = (code: ErrorCode): Partial<Record<Command, ErrorCode>> =>
  Object.fromEntries(allCommands.filter((c) => c !== 'dry-run' && c !== 'verify').map((c) => [c, code]));

const attacks: Attack[] = [
  ...['staging', 'backup', 'trust', 'tree'].map((dir): Attack => ({
    name: `${dir}/ is a symlink to a directory outside`,
    plant: (s) => replaceBySymlink(s, dir),
    expect: everyCommand('TARGET_UNSAFE'),
  })),
  { name: 'backup/<txid> of the installed pack is a symlink', plant: (s) => replaceBySymlink(s, `backup/${s.txid}`), expect: everyCommand('TARGET_UNSAFE') },
  { name: 'staging/<txid> of a crashed transaction is a symlink', plant: (s) => symlinkSync(s.outside, join(s.sp, 'staging', TXID)), expect: everyCommand('TARGET_UNSAFE') },
  { name: 'state.json is a symlink', plant: (s) => { rmSync(join(s.sp, 'state.json')); symlinkSync(join(s.outside, 'victim.txt'), join(s.sp, 'state.json')); }, expect: everyCommand('TARGET_UNSAFE') },
  ...([['relative', () => '../../outside'], ['through staging', () => 'staging/../../../outside'], ['absolute', (s: Scene) => s.outside]] as const).flatMap(([how, rel]): Attack[] => [
    { name: `journal afterRollback ${how}`, plant: (s) => writeJournal(s, { afterRollback: [rel(s)] }), expect: journalReaders('JOURNAL_CORRUPT') },
    { name: `journal afterCommit ${how}, transaction committed`, plant: (s) => writeJournal(s, { txid: s.txid, afterCommit: [rel(s)], afterRollback: [] }), expect: journalReaders('JOURNAL_CORRUPT') },
  ]),
  { name: 'journal step path outside the target', plant: (s) => writeJournal(s, { steps: [{ op: 'rmdir', path: '../outside/sub' }] }), expect: journalReaders('JOURNAL_CORRUPT') },
  { name: 'journal step aside outside .servicepack', plant: (s) => writeJournal(s, { steps: [{ op: 'swap', path: 'new.txt', aside: '../../outside/victim.txt' }] }), expect: journalReaders('JOURNAL_CORRUPT') },
  { name: 'journal step incoming absolute', plant: (s) => writeJournal(s, { steps: [{ op: 'swap', path: 'new.txt', incoming: join(s.outside, 'victim.txt') }] }), expect: journalReaders('JOURNAL_CORRUPT') },
  { name: 'journal step aside in another transaction\'s backup', plant: (s) => writeJournal(s, { steps: [{ op: 'swap', path: 'bin/tool', aside: `backup/${s.txid}/files/bin/tool` }] }), expect: journalReaders('JOURNAL_CORRUPT') },
  { name: 'journal txid escapes', plant: (s) => writeJournal(s, { txid: '../../../outside', afterRollback: ['staging/../../../outside'] }), expect: journalReaders('JOURNAL_CORRUPT') },
  {
    name: 'state history txid outside backup/',
    plant: (s) => editJson(join(s.sp, 'state.json'), (st) => { st.history[0].txid = '../../../outside'; }),
    expect: everyCommand('JOURNAL_CORRUPT'),
  },
  {
    name: 'state file path outside the target',
    plant: (s) => editJson(join(s.sp, 'state.json'), (st) => {
      // A state of the version that held the whole tree inline.
      st.stateVersion = 1;
      delete st.record;
      delete st.tree;
      st.files = { '../outside/victim.txt': { type: 'file', sha256: '0'.repeat(64), size: 0, executable: false } };
    }),
    expect: everyCommand('JOURNAL_CORRUPT'),
  },
  {
    name: 'tree listing path outside the target',
    plant: (s) => editJson(join(s.sp, 'tree', `${s.txid}.json`), (l) => { l.files['../outside/victim.txt'] = { type: 'file', sha256: '0'.repeat(64), size: 0, mode: 420 }; }),
    expect: { verify: 'JOURNAL_CORRUPT' },
  },
  {
    name: 'backup record tree change outside the target',
    plant: (s) => editJson(join(s.sp, 'backup', s.txid, 'record.json'), (r) => { r.treeChanges['../outside/victim.txt'] = null; }),
    expect: { uninstall: 'BACKUP_DAMAGED', verify: 'BACKUP_DAMAGED' },
  },
  {
    name: 'backup record transition path outside the target',
    plant: (s) => editJson(join(s.sp, 'backup', s.txid, 'record.json'), (r) => { r.transitions[0].path = '../outside/victim.txt'; }),
    expect: { uninstall: 'BACKUP_DAMAGED' },
    check: (err, s) => assert.deepEqual((err as ServicePackError<'BACKUP_DAMAGED'>).details.mismatches.map((m) => m.path), [`.servicepack/backup/${s.txid}/record.json`]),
  },
  {
    name: 'backup record state path outside the target',
    plant: (s) => editJson(join(s.sp, 'backup', s.txid, 'record.json'), (r) => { r.stateBefore.history = [{ txid: '../../../outside' }]; }),
    expect: { uninstall: 'BACKUP_DAMAGED' },
  },
];

before(async () => {
  const to2 = await packFrom(v1, v2, { from: '1.0', to: '2.0' });
  const to3 = await packFrom(v2, v3, { from: '2.0', to: '3.0' });
  const mismatched = await packFrom(v2other, v3, { from: '2.0', to: '3.0' });
  packs = { to2: to2.pack, to3: to3.pack, mismatched: mismatched.pack };
});
after(cleanupTempDirs);

describe('the state directory is never followed out of the target', () => {

  for (const attack of attacks) {
    for (const [command, code] of Object.entries(attack.expect) as [Command, ErrorCode][]) {
      it(`${attack.name}: ${command} ends in ${code}`, () => {
        const s = installedScene();
        attack.plant(s);
        const outside0 = hashTree(s.outside);
        let thrown: unknown;
        try {
          commands[command](s.target);
        } catch (err) {
          thrown = err;
        }
        // The damage first, then the code: a run that fails here shows what the command did.
        assert.equal(hashTree(s.outside), outside0, 'nothing outside the target changed');
        assert.equal(hashTree(s.target, { exclude: ['.servicepack'] }), s.v2, 'the target is still version 2.0');
        const err = expectCode(code, () => { if (thrown !== undefined) throw thrown; });
        attack.check?.(err, s);
      });
    }
  }

  it('a pack or key file inside .servicepack/ is refused (USAGE) and stays where it is', () => {
    for (const where of ['staging', 'backup', 'trust', 'tree', '.']) {
      const s = installedScene();
      const pack = join(s.sp, where, 'sp.svp');
      cpSync(packs.to3, pack);
      for (const dryRun of [false, true]) {
        const err = expectCode('USAGE', () => install(pack, { ...trusted, target: s.target, dryRun }));
        assert.equal(err.details.argument, pack);
      }
      const key = join(s.sp, where, 'key.pub');
      cpSync(trusted.trustedKey[0]!, key);
      assert.equal(expectCode('USAGE', () => install(packs.to3, { trustedKey: [key], target: s.target })).details.argument, key);
      assert.equal(expectCode('USAGE', () => trust({ target: s.target, add: [key] })).details.argument, key);
      assert.ok(existsSync(pack) && existsSync(key), 'the files given are still there');
      assert.equal(hashTree(s.target, { exclude: ['.servicepack'] }), s.v2);
    }
  });

  it('run by the unprivileged owner of a target: every command refuses a symlinked staging/ (TARGET_UNSAFE)', { skip: needs('setpriv') || (!isRoot && 'needs root to set up uid 65534') }, () => {
    const s = installedScene();
    for (const p of [s.root, s.target, s.outside]) execFileSync('chown', ['-R', '65534:65534', p]);
    chmodSync(s.root, 0o755);
    const pack = join(s.root, 'sp.svp');
    cpSync(packs.to3, pack);
    replaceBySymlink(s, 'staging');
    const outside0 = hashTree(s.outside);
    for (const args of [['install', pack], ['install', pack, '--dry-run'], ['uninstall'], ['recover'], ['cleanup'], ['status'], ['verify']]) {
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI_PATH, ...args, '--target', s.target, '--json'], { encoding: 'utf8' });
      const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { error: { code: string; details: { path: string } } };
      assert.deepEqual([r.status, result.error.code, result.error.details.path], [1, 'TARGET_UNSAFE', '.servicepack/staging'], args.join(' '));
    }
    assert.equal(hashTree(s.outside), outside0);
    assert.equal(hashTree(s.target, { exclude: ['.servicepack'] }), s.v2);
  });

  it('the first install makes .servicepack and its directories 0755 whatever the umask allows', () => {
    const target = join(tempDir('confine'), 'install');
    cpSync(makeTree(v1), target, { recursive: true });
    const mask = process.umask(0);
    try {
      install(packs.to2, { ...trusted, target });
    } finally {
      process.umask(mask);
    }
    for (const rel of ['.servicepack', '.servicepack/staging', '.servicepack/backup', '.servicepack/trust']) {
      assert.equal(lstatSync(join(target, rel)).mode & 0o7777, 0o755, rel);
    }
  });
});

describe('as root, a state directory another user owns or can write is refused (STATE_UNSAFE)', { skip: !isRoot && 'needs root' }, () => {
  const loose: { name: string; rel: (s: Scene) => string; loosen: (p: string) => void; uid: number; mode: string; reason: string }[] = [
    { name: '.servicepack owned by uid 65534', rel: () => '.servicepack', loosen: (p) => chownSync(p, 65534, 65534), uid: 65534, mode: '0755', reason: 'owned by uid 65534, not root' },
    { name: '.servicepack mode 0777', rel: () => '.servicepack', loosen: (p) => chmodSync(p, 0o777), uid: 0, mode: '0777', reason: 'mode 0777 lets group write' },
    { name: 'staging/ mode 0757', rel: () => '.servicepack/staging', loosen: (p) => chmodSync(p, 0o757), uid: 0, mode: '0757', reason: 'mode 0757 lets others write' },
    { name: 'trust/ owned by uid 65534', rel: () => '.servicepack/trust', loosen: (p) => chownSync(p, 65534, 0), uid: 65534, mode: '0755', reason: 'owned by uid 65534, not root' },
    { name: 'backup/<txid> mode 0775', rel: (s) => `.servicepack/backup/${s.txid}`, loosen: (p) => chmodSync(p, 0o775), uid: 0, mode: '0775', reason: 'mode 0775 lets group write' },
  ];
  for (const l of loose) {
    it(`${l.name}: every command refuses it, naming path, owner and mode`, () => {
      for (const command of allCommands) {
        const s = installedScene();
        const rel = l.rel(s);
        l.loosen(join(s.target, rel));
        const err = expectCode('STATE_UNSAFE', () => commands[command](s.target));
        assert.deepEqual(err.details, { target: s.target, path: rel, uid: l.uid, mode: l.mode, reason: l.reason }, command);
        assert.equal(hashTree(s.target, { exclude: ['.servicepack'] }), s.v2);
      }
    });
  }

  it('the unprivileged owner of the installation directory replaces .servicepack: root refuses it, nothing outside is removed', { skip: needs('setpriv') }, () => {
    const s = installedScene();
    for (const dir of [s.root, s.outside]) chmodSync(dir, 0o755);
    chownSync(s.target, 65534, 65534);
    const outside0 = hashTree(s.outside);
    // As uid 65534, who owns the installation directory but nothing in .servicepack/.
    execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-c',
      'set -e; cd "$1"; mv .servicepack .servicepack.root; mkdir .servicepack; cp -R .servicepack.root/. .servicepack/; rm -rf .servicepack/staging; ln -s "$2" .servicepack/staging',
      'sh', s.target, s.outside]);
    assert.equal(lstatSync(join(s.sp)).uid, 65534);
    for (const command of allCommands) {
      const err = expectCode('STATE_UNSAFE', () => commands[command](s.target));
      assert.equal(err.details.path, '.servicepack', command);
    }
    assert.equal(hashTree(s.outside), outside0);
    assert.deepEqual(readdirSync(s.outside).sort(), ['.state.json.tmp-99999', 'sub', 'victim.txt']);
  });
});
