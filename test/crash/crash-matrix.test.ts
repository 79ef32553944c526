// A sampled subset of the crash matrix (process kill) and of the power-loss matrix (kill, then shut the
// file system down as a power cut would) on every `npm test`; `npm run test:crash -- --full` runs all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cleanupTempDirs } from '../helpers/tree.js';
import { POWER_MEDIA, powerLossUnavailable, straceUnavailable, type MediumKind } from './media.js';
import { formatCell, runMatrix } from './matrix.js';
import { makeScenarios, type Scenario } from './scenarios.js';

const noStrace = straceUnavailable();
const noLoop = noStrace ?? powerLossUnavailable();

async function sampled(scenarios: Scenario[], media: MediumKind[], sample: number): Promise<void> {
  const cells = await runMatrix({ scenarios, media, sample, jobs: 2 });
  for (const c of cells) {
    assert.equal(c.passed, c.tested, formatCell(c));
    assert.ok(c.tested >= Math.min(sample, c.total), formatCell(c));
    // The sample must see both outcomes, crashes before the commit point and after it (cleanup has one tree).
    // A failing health trial always ends in the old tree (checked per point by the matrix).
    if (c.op !== 'cleanup' && scenarios.find((s) => s.op === c.op)?.alwaysOld !== true) assert.ok(c.outcomes.old > 0 && c.outcomes.new > 0, formatCell(c));
  }
}

describe('crash matrix (sampled)', { skip: noStrace ?? false }, () => {
  let scenarios: Scenario[] = [];
  before(async () => {
    scenarios = await makeScenarios();
  });
  after(cleanupTempDirs);

  const onTrial = (s: Scenario): boolean => s.op.startsWith('install-trial');

  it('kill -9 at sampled syscalls of install and uninstall: recover gives the old or the new tree', async () => {
    await sampled(scenarios.filter((s) => !onTrial(s)), ['plain'], 16);
  });

  it('kill -9 at sampled syscalls of an install on trial: old tree until the trial is confirmed, always for a failing one', async () => {
    await sampled(scenarios.filter(onTrial), ['plain'], 8);
  });

  it('power cut at sampled syscalls on ext4 and xfs (with and without log flush)', { skip: noLoop ?? false }, async () => {
    await sampled(scenarios.filter((s) => !onTrial(s)), POWER_MEDIA, 4);
    await sampled(scenarios.filter((s) => s.op === 'install-trial'), POWER_MEDIA, 3);
  });
});
