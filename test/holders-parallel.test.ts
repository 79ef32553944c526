// The holder scan on two threads finds exactly what it finds on one: the same holders, facts,
// uninspectable and vanished processes, whichever thread read them.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { targetFiles } from '../src/inuse/target-files.js';
import { selectPlatform, type HoldScan } from '../src/platform/index.js';
import { scanNatively } from '../src/platform/linux/native-scan.js';
import { bootTimeMs } from '../src/platform/linux/process-facts.js';
import { eventually, startProcess, stop, stopAll, type Started } from './helpers/holders.js';
import { needs } from './helpers/tools.js';
import { cleanupTempDirs, tempDir } from './helpers/tree.js';

/** The scan without start times (compared apart: each scan reads the boot clock anew, to 10 ms). */
const withoutTimes = (s: HoldScan) => ({ ...s, secondThread: 0, found: s.found.map((p) => ({ ...p, facts: { ...p.facts!, startedAt: '' } })) });
const startTimes = (s: HoldScan) => s.found.map((p) => Date.parse(p.facts!.startedAt));

describe('holder scan on two threads', { skip: process.platform !== 'linux' && 'reads /proc (Linux)' }, () => {
  let target = '';
  const started: Started[] = [];
  let gonePid = 0;
  before(async () => {
    target = join(tempDir('holders-parallel'), 'app');
    mkdirSync(join(target, 'bin'), { recursive: true });
    mkdirSync(join(target, 'var'));
    copyFileSync('/bin/sleep', join(target, 'bin/tool'));
    chmodSync(join(target, 'bin/tool'), 0o755);
    writeFileSync(join(target, 'data.txt'), 'data\n');
    const tool = join(target, 'bin/tool');
    // Eight of each kind, interleaved so both halves of the list hold every kind; and bystanders.
    for (let i = 0; i < 8; i++) {
      started.push(await startProcess('sh', ['-c', 'echo ready; exec "$1" 600', 'sh', tool]));
      started.push(await startProcess('sh', ['-c', 'exec 3<"$1"; echo ready; exec sleep 600', 'sh', join(target, 'data.txt')]));
      started.push(await startProcess('sh', ['-c', 'cd "$1" && echo ready && read x', 'sh', join(target, 'var')]));
      started.push(await startProcess('sh', ['-c', 'echo ready; exec sleep 600']));
    }
    const gone = await startProcess('sh', ['-c', 'echo ready; exec sleep 600']);
    gonePid = gone.pid;
    await stop(gone);
    const platform = selectPlatform();
    const files = targetFiles(target, ['']);
    assert.ok(await eventually(() => platform.scanHolds(files, started.map((s) => s.pid)).found.length === 24), 'every holder has exec()ed');
  });
  after(async () => {
    await stopAll();
    cleanupTempDirs();
  });

  it('finds the same holders, facts and counts on one thread and on two', () => {
    const platform = selectPlatform();
    const files = targetFiles(target, ['']);
    const pids = [...started.map((s) => s.pid), gonePid, process.pid];
    const one = platform.scanHolds(files, pids, { facts: true });
    const holds = (s: HoldScan) => s.found.map((p) => `${p.pid} ${p.holds.map((h) => `${h.kind} ${files[h.index]!.path}`).join(',')} ${p.facts!.command}`);
    const expected = started.flatMap((p, i) => [
      [`${p.pid} exe bin/tool ${join(target, 'bin/tool')} 600`],
      [`${p.pid} fd data.txt sleep 600`],
      [`${p.pid} cwd var sh -c cd "$1" && echo ready && read x sh ${join(target, 'var')}`],
      [],
    ][i % 4]!.map((line) => ({ pid: p.pid, line })));
    assert.deepEqual(holds(one), expected.sort((a, b) => a.pid - b.pid).map((e) => e.line));
    assert.equal(one.inspected, 32);
    assert.equal(one.vanished, 1);
    assert.equal(one.secondThread, 0);
    // Half the list reserved for the second thread (15 live processes; it may claim more of the rest),
    // then all of it: the same answer either way.
    for (const share of [pids.length / 2, pids.length]) {
      const two = platform.scanHolds(files, pids, { facts: true, secondThread: 'on', secondThreadShare: share, native: false });
      assert.deepEqual(withoutTimes(two), withoutTimes(one), `share ${share}`);
      if (share === pids.length) assert.equal(two.secondThread, 32);
      else assert.ok(two.secondThread >= 15 && two.secondThread <= 32, `second thread inspected ${two.secondThread}`);
      startTimes(two).forEach((t, i) => assert.ok(Math.abs(t - startTimes(one)[i]!) <= 10, `start time of ${two.found[i]!.pid}`));
    }
  });

  it('finds the same on the native scan, on one thread and on two', { skip: needs('cc') }, () => {
    const platform = selectPlatform();
    const files = targetFiles(target, ['']);
    const pids = [...started.map((s) => s.pid), gonePid, process.pid];
    const one = platform.scanHolds(files, pids, { facts: true });
    // A list long enough for the second thread to claim chunks of it (32 pids each); which ones it
    // gets is up to timing, the answer is not.
    const many = [...pids, ...Array.from({ length: 200 }, () => gonePid)];
    for (const [list, secondThread] of [[pids, 'auto'], [pids, 'on'], [many, 'on']] as const) {
      const native = platform.scanHolds(files, list, { facts: true, secondThread });
      assert.deepEqual(withoutTimes(native), { ...withoutTimes(one), vanished: list.length - 33 }, `${list.length} pids, ${secondThread}`);
      startTimes(native).forEach((t, i) => assert.ok(Math.abs(t - startTimes(one)[i]!) <= 10, `start time of ${native.found[i]!.pid}`));
    }
  });

  it("finds a transaction's places (exe and cwd under the target, by path) the same natively as in JavaScript, on the calling thread", { skip: needs('cc') }, () => {
    const platform = selectPlatform();
    // What a transaction asks: the paths it changes (here none of the held ones) and the places under the target.
    const files = targetFiles(target, ['data.txt']);
    const pids = [...started.map((s) => s.pid), gonePid, process.pid];
    const js = platform.scanHolds(files, pids, { facts: true, placesUnder: target, native: false });
    const native = platform.scanHolds(files, pids, { facts: true, placesUnder: target });
    // The native scan itself, as the platform runs it for a transaction (one thread).
    const direct = scanNatively(files, pids, { threads: 1, bootMs: bootTimeMs, placesUnder: target });
    const places = (s: HoldScan) => s.found.map((p) => `${p.pid} ${p.holds.map((h) => `${h.kind} ${files[h.index]!.path}`).join(',')} ${(p.places ?? []).map((q) => `${q.kind} ${q.path}`).join(',')}`);
    const expected = started.flatMap((p, i) => [
      [`${p.pid}  exe ${join(target, 'bin/tool')}`],
      [`${p.pid} fd data.txt `],
      [`${p.pid}  cwd ${join(target, 'var')}`],
      [],
    ][i % 4]!.map((line) => ({ pid: p.pid, line })));
    assert.deepEqual(places(js), expected.sort((a, b) => a.pid - b.pid).map((e) => e.line));
    assert.deepEqual(withoutTimes(native), withoutTimes(js));
    assert.deepEqual(places({ ...direct, found: direct.found.sort((a, b) => a.pid - b.pid) }), places(js));
    assert.equal(native.secondThread, 0);
    startTimes(native).forEach((t, i) => assert.ok(Math.abs(t - startTimes(js)[i]!) <= 10, `start time of ${native.found[i]!.pid}`));
  });

  it('stays on one thread unless asked, and for a short list', () => {
    const files = targetFiles(target, ['']);
    const pids = started.map((s) => s.pid);
    const scans = [selectPlatform().scanHolds(files, pids, { parallelFrom: 1 }), selectPlatform().scanHolds(files, pids, { secondThread: 'auto' })];
    assert.deepEqual(scans.map((s) => [s.found.length, s.secondThread]), [[24, 0], [24, 0]]);
  });
});
