// The target lock against real processes: a live holder in another process stops install, uninstall
// and recover with LOCKED naming that process; a lock left by a process that is gone is taken over.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { installSync as install, recoverSync as recover, statusSync as status, uninstallSync as uninstall, type ProgressEvent } from '../src/index.js';
import { copyOf, expectCode, packFrom, spawnUntil, stateFilesOf, stopChild, treeOf, trusted } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, describeTree } from './helpers/tree.js';

const lockModule = new URL('../src/fs/lock.js', import.meta.url).href;
const platformModule = new URL('../src/platform/index.js', import.meta.url).href;
const holderScript = `
import { mkdirSync } from 'node:fs';
import { TargetLock } from '${lockModule}';
import { selectPlatform } from '${platformModule}';
const [target] = process.argv.slice(1);
mkdirSync(target + '/.servicepack', { recursive: true });
TargetLock.acquire(target + '/.servicepack/lock', target, selectPlatform());
console.log('locked');
setInterval(() => {}, 1000);
`;

const children: ChildProcess[] = [];
/** A process holding the target's lock; `prefix` runs it through e.g. unshare. */
async function holdLock(target: string, prefix: string[] = []): Promise<ChildProcess> {
  const argv = [...prefix, process.execPath, '--input-type=module', '-e', holderScript, target];
  const child = await spawnUntil(argv[0]!, argv.slice(1), 'locked');
  children.push(child);
  return child;
}

const unshareSkip = needs('unshare');
const canUnsharePid = unshareSkip === false && process.getuid?.() === 0 && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('target lock', () => {
  after(async () => {
    for (const c of children) await stopChild(c);
    cleanupTempDirs();
  });

  it('stops install, uninstall and recover while another process holds it', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const next = await packFrom(flatNew, { ...flatNew, 'three.txt': '3\n' }, { from: '2.0', to: '3.0' });
    const target = copyOf(oldDir);
    install(pack, { ...trusted, target });
    const child = await holdLock(target);
    const command = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    const before = describeTree(target);

    for (const run of [() => install(next.pack, { ...trusted, target }), () => uninstall({ target }), () => recover({ target })]) {
      const err = expectCode('LOCKED', run);
      assert.deepEqual(err.details, { target, pid: child.pid, command });
      assert.deepEqual(describeTree(target), before);
    }
    assert.equal(status({ target }).lockedBy, child.pid);
    assert.deepEqual(treeOf(target), treeOf(newDir));

    await stopChild(child);
    // The holder is gone (killed): its lock is stale and the next command takes it over.
    const events: ProgressEvent[] = [];
    assert.equal(uninstall({ target, onEvent: (e) => events.push(e) }).version, '1.0');
    assert.deepEqual(events.filter((e) => e.type === 'lock-taken-over'), [{ type: 'lock-taken-over', fromPid: child.pid }]);
    assert.deepEqual(treeOf(target), treeOf(oldDir));
  });

  it('stops the first install of a target while the lock is held', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    const child = await holdLock(target);
    const before = describeTree(target);
    assert.equal(expectCode('LOCKED', () => install(pack, { ...trusted, target })).details.pid, child.pid);
    assert.deepEqual(describeTree(target), before);
    assert.deepEqual(stateFilesOf(target), ['lock']);
  });

  it('takes over a lock whose process has exited', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    const pid = await deadPid();
    mkdirSync(join(target, '.servicepack'));
    writeFileSync(join(target, '.servicepack/lock'), JSON.stringify({ pid, start: 'x' }));
    assert.equal(status({ target }).lockedBy, pid);

    const events: ProgressEvent[] = [];
    install(pack, { ...trusted, target, onEvent: (e) => events.push(e) });
    assert.deepEqual(events.filter((e) => e.type === 'lock-taken-over'), [{ type: 'lock-taken-over', fromPid: pid }]);
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.equal(existsSync(join(target, '.servicepack/lock')), false);
    assert.equal(status({ target }).lockedBy, null);
  });

  it('takes over a lock whose pid now belongs to another process', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    const other = await spawnUntil('sh', ['-c', 'echo up; exec sleep 60'], 'up');
    children.push(other);
    mkdirSync(join(target, '.servicepack'));
    writeFileSync(join(target, '.servicepack/lock'), JSON.stringify({ pid: other.pid, start: 'started-long-ago' }));

    const events: ProgressEvent[] = [];
    install(pack, { ...trusted, target, onEvent: (e) => events.push(e) });
    assert.deepEqual(events.filter((e) => e.type === 'lock-taken-over'), [{ type: 'lock-taken-over', fromPid: other.pid }]);
    assert.deepEqual(treeOf(target), treeOf(newDir));
    assert.equal(other.exitCode, null);
  });

  it('takes over an unreadable lock file', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    mkdirSync(join(target, '.servicepack'));
    writeFileSync(join(target, '.servicepack/lock'), '{"pi');
    const events: ProgressEvent[] = [];
    install(pack, { ...trusted, target, onEvent: (e) => events.push(e) });
    assert.deepEqual(events.filter((e) => e.type === 'lock-taken-over'), [{ type: 'lock-taken-over', fromPid: -1 }]);
    assert.deepEqual(treeOf(target), treeOf(newDir));
  });

  it('never takes over a lock held from another pid namespace, whose pid means nothing here', { skip: unshareSkip || (!canUnsharePid && 'needs root and unshare --pid') }, async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    // In its own pid namespace the holder is pid 1; here pid 1 is another, live process with another
    // start time: judged by pid and start time alone, the lock would look stale and be taken over.
    await holdLock(target, ['unshare', '--pid', '--fork', '--kill-child', '--mount-proc']);
    const record = JSON.parse(readFileSync(join(target, '.servicepack/lock'), 'utf8')) as { pid: number; ns: string };
    assert.equal(record.pid, 1);
    assert.notEqual(record.ns, `${bootId}:${readlinkSync('/proc/self/ns/pid')}`);
    const before = describeTree(target);
    for (const run of [() => install(pack, { ...trusted, target }), () => recover({ target })]) {
      const err = expectCode('LOCKED', run);
      assert.deepEqual([err.details.pid, err.details.namespace], [1, record.ns]);
      assert.deepEqual(describeTree(target), before);
    }
  });

  it('takes over a lock of another pid namespace written before the last boot', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    mkdirSync(join(target, '.servicepack'));
    const earlier = '00000000-0000-0000-0000-000000000000';
    writeFileSync(join(target, '.servicepack/lock'), JSON.stringify({ pid: 1, start: `${earlier}:5`, ns: `${earlier}:pid:[4026532999]` }));
    const events: ProgressEvent[] = [];
    install(pack, { ...trusted, target, onEvent: (e) => events.push(e) });
    assert.deepEqual(events.filter((e) => e.type === 'lock-taken-over'), [{ type: 'lock-taken-over', fromPid: 1 }]);
    assert.deepEqual(treeOf(target), treeOf(newDir));
  });
});
