// The transaction's thread makes the same opens however many processes run: the native holder scan
// reads /proc on threads of its own (docs/architecture.md, Decisions), so the ordinals the crash
// harness aims its kills at hold from one run to the next on a busy machine.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { needs } from '../helpers/tools.js';
import { cleanupTempDirs } from '../helpers/tree.js';
import { countPoints } from './crash-point.js';
import { closeAllMedia, openMedium, straceUnavailable } from './media.js';
import { makeScenarios, type Scenario } from './scenarios.js';
import type { WindowOpen } from './strace-log.js';

/** Every open the transaction's thread made in the window of one uncrashed run. */
async function windowOpens(scenario: Scenario): Promise<WindowOpen[]> {
  const medium = openMedium('plain');
  try {
    const points = await countPoints(scenario, medium, medium.root);
    return points.filter((p) => p.name === 'openat').at(-1)!.windowOpens!;
  } finally {
    medium.close();
  }
}

const skip = (process.platform !== 'linux' && 'reads /proc (Linux)') || (straceUnavailable() ?? needs('cc'));

describe("the transaction thread's opens", { skip }, () => {
  after(() => {
    closeAllMedia();
    cleanupTempDirs();
  });

  it('are the same with 40 more processes running: the native holder scans open /proc on threads of their own', async () => {
    const install = (await makeScenarios()).find((s) => s.op === 'install')!;
    const before = await windowOpens(install);
    const sleepers = Array.from({ length: 40 }, () => spawn('sleep', ['120'], { stdio: 'ignore' }));
    try {
      const more = await windowOpens(install);
      assert.equal(more.filter((o) => o.proc).length, before.filter((o) => o.proc).length);
      // The runner's own pid is read from /proc (the lock's owner) and differs from run to run.
      const calls = (opens: WindowOpen[]): string[] => opens.map((o) => o.call.replace(/"\/proc\/\d+\//, '"/proc/PID/'));
      assert.deepEqual(calls(more), calls(before));
    } finally {
      for (const s of sleepers) s.kill();
    }
  });
});
