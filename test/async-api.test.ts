// The Promise API: each call runs on a worker thread of its own and gives the same outcome as its Sync
// variant (same tree, same events, same errors with code, hint and details); an AbortSignal rolls a
// transaction back before its point of no return and is reported as too late after it; option names
// are the command line's, and an unknown one is refused.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import {
  build, cleanup, history, install, installSync, status, statusSync, trackProgress, uninstall, verify, keygen, inspect, inspectSync, holders, isServicePackError,
  type ProgressEvent, type ServicePackError,
} from '../src/index.js';
import { linuxPlatform } from '../src/platform/linux/linux-platform.js';
import { copyOf, expectRejection, packFrom, testKey, treeOf, trusted } from './helpers/packs.js';
import { flatNew, flatOld } from './helpers/specs.js';
import { cleanupTempDirs, hashTree, tempDir } from './helpers/tree.js';

async function rejected(p: Promise<unknown>): Promise<ServicePackError> {
  try {
    await p;
  } catch (err) {
    assert.ok(isServicePackError(err), `not a ServicePackError: ${String(err)}`);
    return err;
  }
  return assert.fail('expected a rejection');
}

/** A pack whose pre hook sleeps `seconds`: time for a stop request to arrive before the commit. */
async function slowHookPack(seconds: number) {
  const { oldDir, newDir } = await packFrom(flatOld, flatNew);
  const pack = join(tempDir('slow'), 'sp.svp');
  await build({ oldDir, newDir, out: pack, product: 'acme', fromVersion: '1.0', toVersion: '2.0', level: 3, preHook: ['sleep', String(seconds)], postHook: ['sleep', String(seconds)], sign: testKey.key });
  return { oldDir, newDir, pack };
}

describe('the Promise API', () => {
  after(cleanupTempDirs);

  it('installs on another thread: the same tree, result fields and events as installSync', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const a = copyOf(oldDir);
    const b = copyOf(oldDir);
    const asyncEvents: ProgressEvent[] = [];
    const syncEvents: ProgressEvent[] = [];
    const calling = threadId;
    const pending = install(pack, { ...trusted, target: a, onEvent: (e) => {
      assert.equal(threadId, calling, 'events are delivered on the calling thread');
      asyncEvents.push(e);
    } });
    assert.ok(pending instanceof Promise);
    const done = await pending;
    const same = installSync(pack, { ...trusted, target: b, onEvent: (e) => syncEvents.push(e) });
    assert.equal(hashTree(a, { exclude: ['.servicepack'] }), hashTree(newDir));
    assert.deepEqual(treeOf(a), treeOf(b));
    assert.deepEqual(Object.keys(done).sort(), Object.keys(same).sort());
    assert.deepEqual([done.toVersion, done.restartNeeded], [same.toVersion, same.restartNeeded]);
    assert.deepEqual(asyncEvents.map((e) => JSON.stringify(e)), syncEvents.map((e) => JSON.stringify(e).replaceAll(b, a)));
    assert.equal((await status({ target: a })).version, '2.0');
    assert.equal((await verify({ target: a })).ok, true);
    assert.deepEqual((await inspect(pack)).entries, inspectSync(pack).entries);
    assert.equal((await holders({ target: a })).holders.length, 0);
    assert.equal((await uninstall({ target: a })).version, '1.0');
    assert.equal(hashTree(a, { exclude: ['.servicepack'] }), hashTree(oldDir));
  });

  it('rejects with the worker\'s ServicePackError: code, message, hint and details as installSync throws them', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew, { unsigned: true });
    const target = copyOf(oldDir);
    const err = await rejected(install(pack, { target }));
    assert.ok(err instanceof Error && err.name === 'ServicePackError');
    let syncErr: ServicePackError | undefined;
    try {
      installSync(pack, { target });
    } catch (e) {
      syncErr = e as ServicePackError;
    }
    assert.equal(err.code, 'PACK_UNSIGNED');
    assert.deepEqual(err.toJSON(), syncErr!.toJSON());
    assert.equal(hashTree(target), hashTree(oldDir));
  });

  it('an AbortSignal before the point of no return rolls back: INTERRUPTED, the old tree exactly, no .servicepack', async () => {
    const { oldDir, pack } = await slowHookPack(1);
    const target = copyOf(oldDir);
    const stop = new AbortController();
    const err = await rejected(install(pack, { ...trusted, target, signal: stop.signal, onEvent: (e) => {
      // The pre hook runs next, for a second: the stop is seen right after it.
      if (e.type === 'phase' && e.phase === 'stage') stop.abort(new Error('the user cancelled'));
    } }));
    assert.equal(err.code, 'INTERRUPTED');
    assert.deepEqual(err.details, { signal: 'AbortSignal' });
    assert.equal((err.cause as Error).message, 'the user cancelled');
    assert.equal(hashTree(target), hashTree(oldDir));
    assert.equal(existsSync(join(target, '.servicepack')), false);
  });

  it('an AbortSignal after the point of no return: the install completes and its result says so', async () => {
    const { oldDir, newDir, pack } = await slowHookPack(1);
    const target = copyOf(oldDir);
    const stop = new AbortController();
    const events: ProgressEvent[] = [];
    const done = await install(pack, { ...trusted, target, signal: stop.signal, onEvent: (e) => {
      events.push(e);
      // The state is written right after this event, with no poll in between: the commit point.
      if (e.type === 'phase' && e.phase === 'record') stop.abort();
    } });
    assert.equal(done.lateStop, 'AbortSignal');
    assert.deepEqual(events.at(-1), { type: 'warning', code: 'INTERRUPTED', message: 'AbortSignal arrived after the point of no return: install was finished, not stopped' });
    assert.equal(hashTree(target, { exclude: ['.servicepack'] }), hashTree(newDir));
    assert.equal(statusSync({ target }).version, '2.0');
  });

  it('an already aborted signal starts nothing; a read-only call ends at once', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    const err = await rejected(install(pack, { ...trusted, target, signal: AbortSignal.abort() }));
    assert.equal(err.code, 'INTERRUPTED');
    assert.equal(hashTree(target), hashTree(oldDir));
    const stop = new AbortController();
    const dry = install(pack, { ...trusted, target, dryRun: true, signal: stop.signal });
    stop.abort();
    assert.equal((await rejected(dry)).code, 'INTERRUPTED');
    assert.equal(hashTree(target), hashTree(oldDir));
  });

  it('refuses an unknown option, a Platform object and stopRequested with USAGE naming the option', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    // The library's old names and misspellings alike.
    for (const bad of ['trustedKeys', 'inUseWaitMs', 'dry_run']) {
      const err = await expectRejection('USAGE', () => install(pack, { target, [bad]: true } as never));
      assert.deepEqual(err.details, { argument: bad });
      assert.match(err.hint, /trustedKey/);
    }
    assert.deepEqual((await expectRejection('USAGE', () => status({ target, paths: [] } as never))).details, { argument: 'paths' });
    assert.deepEqual((await expectRejection('USAGE', () => build({ oldDir, newDir: oldDir, out: join(tempDir('o'), 'x.svp'), signWith: testKey.key } as never))).details, { argument: 'signWith' });
    assert.deepEqual((await expectRejection('USAGE', () => install(pack, { ...trusted, target, platform: linuxPlatform() }))).details, { argument: 'platform' });
    assert.deepEqual((await expectRejection('USAGE', () => status({ target, stopRequested: () => null }))).details, { argument: 'stopRequested' });
    assert.equal(hashTree(target), hashTree(oldDir));
    // The Sync variants check names too.
    assert.throws(() => installSync(pack, { target, trustedKeys: [] } as never), (e: unknown) => isServicePackError(e, 'USAGE') && e.details.argument === 'trustedKeys');
  });

  it('trackProgress gives the events as an async iterator, then the result', async () => {
    const { oldDir, pack } = await packFrom(flatOld, flatNew);
    const target = copyOf(oldDir);
    const run = trackProgress((onEvent) => install(pack, { ...trusted, target, onEvent }));
    const seen: string[] = [];
    for await (const e of run.events) if (e.type === 'phase') seen.push(e.phase);
    assert.deepEqual(seen, ['preflight', 'stage', 'commit', 'record', 'clean-up']);
    assert.equal((await run.result).toVersion, '2.0');
    // No trusted key for a fresh target: the iteration ends with the call's error.
    const failed = trackProgress((onEvent) => install(pack, { target: copyOf(oldDir), onEvent }));
    await assert.rejects(async () => {
      for await (const _ of failed.events) void _;
    }, (e: unknown) => isServicePackError(e, 'KEY_UNTRUSTED'));
    await assert.rejects(failed.result, (e: unknown) => isServicePackError(e, 'KEY_UNTRUSTED'));
  });

  it('takes the later commands\' options by their flags\' names: dryRun, prune, keep, health: false, trustedKey; history', async () => {
    const { oldDir, newDir, pack } = await packFrom(flatOld, flatNew);
    const a = copyOf(oldDir);
    const done = await install(pack, { ...trusted, target: a, health: false });
    assert.deepEqual(done.health, { outcome: 'none' });
    const plan = await uninstall({ target: a, dryRun: true });
    assert.deepEqual([plan.dryRun, plan.removed.txid], [true, done.txid]);
    const dry = await cleanup({ target: a, prune: 0, dryRun: true });
    assert.deepEqual([dry.dryRun, dry.pruned], [true, [done.txid]]);
    assert.equal(hashTree(a, { exclude: ['.servicepack'] }), hashTree(newDir));
    assert.deepEqual((await cleanup({ target: a, prune: 0 })).pruned, [done.txid]);
    await expectRejection('BACKUP_PRUNED', () => uninstall({ target: a }));
    assert.deepEqual((await history({ target: a })).events.map((e) => e.event), ['install', 'prune']);
    // --keep 0: this pack's own backups are given up at once.
    const b = copyOf(oldDir);
    await install(pack, { ...trusted, target: b, keep: 0 });
    await expectRejection('BACKUP_PRUNED', () => uninstall({ target: b }));
    // inspect --trusted-key checks the signature, without a target.
    assert.equal((await inspect(pack, { trustedKey: testKey.pub })).trust?.verified, true);
    const other = await keygen({ out: join(tempDir('keys'), 'other') });
    await expectRejection('KEY_UNTRUSTED', () => inspect(pack, { trustedKey: other.publicKeyFile }));
    // The engine's names are not the library's.
    for (const [name, options] of [['noHealth', { noHealth: true }], ['keepBackups', { keepBackups: 1 }]] as const) {
      const err = await expectRejection('USAGE', () => install(pack, { ...trusted, target: copyOf(oldDir), ...options } as never));
      assert.deepEqual(err.details, { argument: name });
    }
    assert.deepEqual((await expectRejection('USAGE', () => cleanup({ target: a, keep: 1 } as never))).details, { argument: 'keep' });
  });

  it('keygen returns the key files', async () => {
    const k = await keygen({ out: join(tempDir('keys'), 'v') });
    assert.ok(existsSync(k.secretKeyFile) && existsSync(k.publicKeyFile));
  });
});
