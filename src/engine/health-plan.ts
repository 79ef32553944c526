// Which checks an install's trial runs: the pack's signed checks plus those the install adds; each
// timing value the install gives replaces the pack's; `noHealth` skips the trial with a warning
// (docs/health.md, "Pack checks and install options").
import { ServicePackError } from '../errors/index.js';
import { describeCheck, healthProblem, timingOf, type HealthCheck, type HealthTiming, type PackHealth } from '../format/health.js';
import type { TxContext } from '../records/tx-context.js';

/** The install options that shape the trial. */
export interface HealthOptions {
  /** Checks added to the pack's, and timing values that replace the pack's. */
  health?: Partial<PackHealth>;
  /** Install without a trial (reported as a warning HEALTH_SKIPPED). */
  noHealth?: boolean;
}

/** The trial an install will run: its checks and complete timing; null when there is none. */
export type TrialPlan = (PackHealth & HealthTiming) | null;

/** What the dry run and the result say about the trial. */
export type HealthSummary =
  | { outcome: 'planned'; checks: string[]; timing: HealthTiming }
  | { outcome: 'skipped'; checks: string[] }
  | { outcome: 'none' };

/** The trial for a pack declaring `packHealth` under `options`; USAGE for options that cannot make one. */
export function planTrial(packHealth: PackHealth | undefined, options: HealthOptions): { plan: TrialPlan; summary: HealthSummary } {
  const added = options.health?.checks ?? [];
  if (options.noHealth === true) {
    if (added.length > 0 || hasTiming(options.health)) throw usage('--no-health cannot be combined with health check options', '--no-health');
    const skipped = packHealth?.checks ?? [];
    return { plan: null, summary: skipped.length === 0 ? { outcome: 'none' } : { outcome: 'skipped', checks: skipped.map(describeCheck) } };
  }
  const checks: HealthCheck[] = [...(packHealth?.checks ?? []), ...added];
  if (checks.length === 0) {
    if (hasTiming(options.health)) throw usage('health timing options were given, but neither the pack nor the install has a health check', '--health-window');
    return { plan: null, summary: { outcome: 'none' } };
  }
  const timing = timingOf({ ...timingValues(packHealth), ...timingValues(options.health) });
  const plan = { checks, ...timing };
  const problem = healthProblem(plan, 'the health checks');
  if (problem !== undefined) throw usage(problem, 'health');
  return { plan, summary: { outcome: 'planned', checks: checks.map(describeCheck), timing } };
}

/** The warning an install skipping its pack's checks gives, before anything changes. */
export function warnSkipped(ctx: TxContext, summary: HealthSummary): void {
  if (summary.outcome !== 'skipped') return;
  ctx.emit({ type: 'warning', code: 'HEALTH_SKIPPED', message: `installing without the health trial (--no-health): the pack's checks will not run: ${summary.checks.join(', ')}` });
}

function timingValues(h: Partial<PackHealth> | undefined): Partial<HealthTiming> {
  const out: Partial<HealthTiming> = {};
  for (const key of ['delayMs', 'periodMs', 'windowMs', 'deadlineMs'] as const) if (h?.[key] !== undefined) out[key] = h[key];
  return out;
}

const hasTiming = (h: Partial<PackHealth> | undefined): boolean => Object.keys(timingValues(h)).length > 0;

function usage(message: string, argument: string): ServicePackError<'USAGE'> {
  return new ServicePackError('USAGE', message, {
    hint: 'Give checks with --health-cmd, --health-url or --health-tcp (added to the pack\'s), times in seconds with --health-delay, --health-period, --health-window and --health-deadline; see docs/health.md.',
    details: { argument },
  });
}
