// Writes to a file the pack changes, made while the transaction runs, are never lost: before the
// commit, a file changed since the preflight stops the transaction (TARGET_CHANGED) and stays as written;
// after it, writes that a process makes to the old, set-aside file are reported with the backup path
// they went to (status, cleanup, uninstall: BACKUP_WRITTEN).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { build, cleanupSync as cleanup, installSync as install, statusSync as status, uninstallSync as uninstall } from '../src/index.js';
import { CLI_PATH } from './helpers/cli-path.js';
import { startProcess, stopAll, eventually } from './helpers/holders.js';
import { copyOf, expectCode, testKey, trusted, treeOf } from './helpers/packs.js';
import { cleanupTempDirs, makeTree, sha256OfFile, tempDir, type TreeSpec } from './helpers/tree.js';
import { createHash } from 'node:crypto';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

const OLD_CONF = 'setting=1\n';
const NEW_CONF = 'setting=2, with more words\n';
const oldSpec: TreeSpec = { 'data.conf': OLD_CONF, bin: { tool: { content: 'tool v1\n', mode: 0o755 } }, 'same.txt': 'same\n' };
const newSpec: TreeSpec = { 'data.conf': NEW_CONF, bin: { tool: { content: 'tool v2\n', mode: 0o755 } }, 'same.txt': 'same\n' };

async function packWith(hooks: { pre?: string[]; post?: string[] }) {
  const oldDir = makeTree(oldSpec);
  const newDir = makeTree(newSpec);
  const pack = join(tempDir('writes'), 'sp.svp');
  await build({ oldDir, newDir, out: pack, product: 'acme', fromVersion: '1.0', toVersion: '2.0', level: 3, ...(hooks.pre === undefined ? {} : { preHook: hooks.pre }), ...(hooks.post === undefined ? {} : { postHook: hooks.post }), sign: testKey.key });
  return { oldDir, newDir, pack };
}

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8' });
  const last = r.stdout.trim().split('\n').at(-1);
  return { status: r.status, json: last?.startsWith('{') === true ? (JSON.parse(last) as Record<string, any>) : null, stderr: r.stderr };
}

/** The old tree, with `extra` appended to data.conf. */
const oldTreeWith = (oldDir: string, extra: string): string[] =>
  treeOf(oldDir).map((l) => (l.startsWith('data.conf ') ? l.replace(sha(OLD_CONF), sha(OLD_CONF + extra)) : l));

/**
 * An application that keeps data.conf open for appending (opened now, so it holds the current inode) and
 * appends `line` to it each time it gets SIGUSR1, then creates `<mark>.<n>`.
 */
function appender(file: string, line: string, mark: string) {
  const script = 'exec 3>>"$1"; n=0; trap \'n=$((n+1)); echo "$2" >&3; : >"$3.$n"\' USR1; echo ready; while :; do sleep 0.02; done';
  return startProcess('sh', ['-c', script, 'app', file, line, mark]);
}

describe('writes during an install', () => {
  after(cleanupTempDirs);
  afterEach(stopAll);

  it('the pre hook appends to a file the pack changes: TARGET_CHANGED, exit 1, the write stays in the target', async () => {
    const log = join(tempDir('log'), 'hooks.log');
    const { oldDir, pack } = await packWith({ pre: ['sh', '-c', 'echo state >> data.conf'], post: ['sh', '-c', 'echo "post $SERVICEPACK_OUTCOME" >>"$1"', 'post', log] });
    const target = copyOf(oldDir);
    const r = cli('install', pack, '--target', target, '--trusted-key', testKey.pub, '--json');
    assert.equal(r.status, 1, JSON.stringify(r.json));
    assert.equal(r.json?.error?.code, 'TARGET_CHANGED', JSON.stringify(r.json));
    assert.deepEqual(r.json!.error.details, { target, path: 'data.conf', expected: sha(OLD_CONF), actual: sha(`${OLD_CONF}state\n`) });
    // Rolled back: the old tree with the hook's write in it, nothing pending, no backup of it kept.
    assert.deepEqual(treeOf(target), oldTreeWith(oldDir, 'state\n'));
    assert.equal(readFileSync(join(target, 'data.conf'), 'utf8'), `${OLD_CONF}state\n`);
    assert.equal(existsSync(join(target, '.servicepack')), false, 'a failed first install leaves no .servicepack');
    assert.equal(readFileSync(log, 'utf8'), 'post rolled-back\n');
  });

  it('another process appends through its open file between the preflight and the set-aside: TARGET_CHANGED', async () => {
    const dir = tempDir('app');
    const mark = join(dir, 'wrote');
    const pidFile = join(dir, 'pid');
    // The hook asks the running application to write (as a stop command would) and waits until it has.
    const { oldDir, pack } = await packWith({ pre: ['sh', '-c', 'kill -USR1 "$(cat "$1")"; while [ ! -e "$2.1" ]; do sleep 0.01; done', 'pre', pidFile, mark] });
    const target = copyOf(oldDir);
    const app = await appender(join(target, 'data.conf'), 'from the app', mark);
    writeFileSync(pidFile, String(app.pid));
    const err = expectCode('TARGET_CHANGED', () => install(pack, { ...trusted, target }));
    assert.equal(err.details.path, 'data.conf');
    assert.deepEqual(treeOf(target), oldTreeWith(oldDir, 'from the app\n'));
    assert.equal(status({ target }).pending, null);
  });

  it('a pre hook that only touches the file (same content) does not stop the install', async () => {
    const { oldDir, newDir, pack } = await packWith({ pre: ['sh', '-c', 'touch data.conf; chmod 600 data.conf'] });
    const target = copyOf(oldDir);
    install(pack, { ...trusted, target });
    assert.deepEqual(treeOf(target), treeOf(newDir));
  });

  it('the uninstall\'s pre hook writes to a file it replaces: TARGET_CHANGED, the new version and the write stay', async () => {
    const { oldDir, newDir, pack } = await packWith({ pre: ['sh', '-c', 'if [ "$SERVICEPACK_KIND" = uninstall ]; then echo saved >> data.conf; fi'] });
    const target = copyOf(oldDir);
    install(pack, { ...trusted, target });
    const err = expectCode('TARGET_CHANGED', () => uninstall({ target }));
    assert.deepEqual(err.details, { target, path: 'data.conf', expected: sha(NEW_CONF), actual: sha(`${NEW_CONF}saved\n`) });
    assert.equal(readFileSync(join(target, 'data.conf'), 'utf8'), `${NEW_CONF}saved\n`);
    assert.deepEqual(treeOf(target).filter((l) => !l.startsWith('data.conf ')), treeOf(newDir).filter((l) => !l.startsWith('data.conf ')));
    const st = status({ target });
    assert.deepEqual([st.version, st.pending], ['2.0', null]);
  });

  it('a process writing to the old file after the commit: status, cleanup and uninstall name the backup path', async () => {
    const mark = join(tempDir('mark'), 'wrote');
    const { oldDir, newDir, pack } = await packWith({});
    const target = copyOf(oldDir);
    const app = await appender(join(target, 'data.conf'), 'late write', mark);
    const r = install(pack, { ...trusted, target });
    assert.equal(r.restartNeeded, true);
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.deepEqual(status({ target }).backupWrites, [], 'nothing written yet');
    app.child.kill('SIGUSR1');
    assert.ok(await eventually(() => existsSync(`${mark}.1`)), 'the app did not write');
    const backup = `.servicepack/backup/${r.txid}/files/data.conf`;
    const write = { txid: r.txid, path: 'data.conf', backup, expected: sha(OLD_CONF), actual: sha(`${OLD_CONF}late write\n`) };
    assert.equal(sha256OfFile(join(target, backup)), write.actual, 'the write went to the set-aside file');
    assert.equal(readFileSync(join(target, 'data.conf'), 'utf8'), NEW_CONF);

    assert.deepEqual(status({ target }).backupWrites, [write]);
    const st = cli('status', '--target', target, '--json');
    assert.deepEqual([st.status, st.json?.result.backupWrites], [0, [write]]);
    const text = spawnSync(process.execPath, [CLI_PATH, 'status', '--target', target], { encoding: 'utf8' }).stdout;
    assert.match(text, new RegExp(`written after it was set aside: data\\.conf .*the writes went to ${backup.replace(/\./g, '\\.')}\\)`));
    assert.deepEqual(cleanup({ target }).backupWrites, [write]);
    const err = expectCode('BACKUP_WRITTEN', () => uninstall({ target }));
    assert.deepEqual(err.details, { target, txid: r.txid, writes: [write] });
    assert.match(err.message, new RegExp(`data\\.conf was written after the install set it aside: the writes went to ${backup.replace(/\./g, '\\.')}`));
    // Nothing was changed by the refused uninstall, and the written copy is kept.
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.equal(sha256OfFile(join(target, backup)), write.actual);
  });
});
