// Which trial an install runs: the pack's checks plus the install's, the install's times over the pack's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isServicePackError } from '../errors/index.js';
import { HEALTH_DEFAULTS, type PackHealth } from '../format/health.js';
import { planTrial } from './health-plan.js';

const pack: PackHealth = { checks: [{ url: 'http://127.0.0.1:8080/' }], windowMs: 20_000 };

const usage = (fn: () => unknown, includes: string): void => {
  assert.throws(fn, (err: unknown) => isServicePackError(err) && err.code === 'USAGE' && err.message.includes(includes));
};

test('install checks are added to the pack\'s; each install time replaces the pack\'s; the rest are defaults', () => {
  const { plan, summary } = planTrial(pack, { health: { checks: [{ tcp: 'db:5432' }], deadlineMs: 90_000 } });
  assert.deepEqual(plan, { checks: [{ url: 'http://127.0.0.1:8080/' }, { tcp: 'db:5432' }], delayMs: HEALTH_DEFAULTS.delayMs, periodMs: HEALTH_DEFAULTS.periodMs, windowMs: 20_000, deadlineMs: 90_000 });
  assert.deepEqual(summary, { outcome: 'planned', checks: ['url http://127.0.0.1:8080/', 'tcp db:5432'], timing: { delayMs: 2000, periodMs: 1000, windowMs: 20_000, deadlineMs: 90_000 } });
  assert.deepEqual(planTrial(undefined, {}), { plan: null, summary: { outcome: 'none' } });
  assert.equal(planTrial(undefined, { health: { checks: [{ cmd: ['true'] }] } }).plan?.windowMs, 10_000);
});

test('noHealth skips the pack\'s checks; it cannot be combined with health options', () => {
  assert.deepEqual(planTrial(pack, { noHealth: true }), { plan: null, summary: { outcome: 'skipped', checks: ['url http://127.0.0.1:8080/'] } });
  assert.deepEqual(planTrial(undefined, { noHealth: true }), { plan: null, summary: { outcome: 'none' } });
  usage(() => planTrial(pack, { noHealth: true, health: { checks: [{ tcp: 'db:5432' }] } }), '--no-health cannot be combined');
  usage(() => planTrial(pack, { noHealth: true, health: { windowMs: 1 } }), '--no-health cannot be combined');
});

test('times that cannot make a trial are USAGE', () => {
  usage(() => planTrial(undefined, { health: { windowMs: 5000 } }), 'neither the pack nor the install has a health check');
  // The pack's window of 20 s cannot fit in an install's deadline of 10 s.
  usage(() => planTrial(pack, { health: { deadlineMs: 10_000 } }), 'can never pass');
  usage(() => planTrial(pack, { health: { periodMs: 0 } }), '"periodMs" is 0');
});
