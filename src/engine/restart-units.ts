// --restart-units: restarts each systemd service that runs a stale process, once, at the end of a
// transaction, and reports the outcome per unit. Scopes (login sessions, containers) are not services
// and are left alone.
import type { StaleProcess } from './target-holders.js';
import type { TxContext } from '../records/tx-context.js';

export interface UnitRestart {
  unit: string;
  outcome: 'restarted' | 'failed' | 'skipped';
  /** Why it failed or was skipped (exit status and output of systemctl, or "not a service"). */
  detail?: string;
}

export interface UnitRestartReport {
  /** False when units cannot be restarted here; `reason` says why (no systemctl, no systemd). */
  available: boolean;
  reason?: string;
  units: UnitRestart[];
}

export function restartUnits(ctx: TxContext, stale: readonly StaleProcess[]): UnitRestartReport {
  const units = [...new Set(stale.map((s) => s.unit).filter((u): u is string => u !== undefined))].sort();
  const manager = ctx.platform.unitManager();
  if (!manager.available) {
    ctx.emit({ type: 'warning', code: 'UNITS_UNAVAILABLE', message: `cannot restart units: ${manager.reason}` });
    return { available: false, reason: manager.reason, units: units.map((unit) => ({ unit, outcome: 'skipped', detail: manager.reason })) };
  }
  const report: UnitRestartReport = { available: true, units: [] };
  for (const unit of units) {
    if (!unit.endsWith('.service')) {
      report.units.push({ unit, outcome: 'skipped', detail: 'not a service unit' });
      continue;
    }
    const r = ctx.platform.restartUnit(unit);
    const ok = r.exitCode === 0;
    ctx.emit({ type: 'unit-restart', unit, ok });
    report.units.push(ok ? { unit, outcome: 'restarted' } : { unit, outcome: 'failed', detail: `${r.error ?? `exit ${r.exitCode ?? r.signal}`}: ${r.output.trim()}` });
  }
  return report;
}
