// Runs crash points of every scenario on every medium, `jobs` at a time (each job on its own medium),
// and tallies them per operation and medium. `sample` limits each cell to an evenly spread subset.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countPoints, runPoint, type PointResult } from './crash-point.js';
import { openMedium, type Medium, type MediumKind } from './media.js';
import type { Scenario } from './scenarios.js';
import type { CrashPoint } from './strace-log.js';

export interface MatrixOptions {
  scenarios: Scenario[];
  media: MediumKind[];
  /** Points per (operation, medium); undefined runs every point. */
  sample?: number;
  /** Only the points of these syscalls (e.g. openat), and/or only these points (by seq, as reports name them). */
  calls?: string[];
  seqs?: number[];
  jobs: number;
  onCell?: (cell: CellResult) => void;
}

export interface CellResult {
  op: string;
  medium: MediumKind;
  /** Crash points the operation has on this medium. */
  total: number;
  tested: number;
  passed: number;
  outcomes: { old: number; new: number };
  byCall: Record<string, number>;
  failures: PointResult[];
  seconds: number;
}

/**
 * An evenly spread subset in syscall order, always including the calls around the two commit-critical
 * renames (journal in place, state replaced) and around a health trial's confirmation.
 */
export function samplePoints(points: CrashPoint[], count: number): CrashPoint[] {
  if (points.length <= count) return points;
  const pick = new Set<number>();
  points.forEach((p, n) => {
    if (p.name.startsWith('rename') && /(journal|state)\.json"\)$/.test(p.call)) for (const d of [-1, 0, 1]) pick.add(n + d);
    // A health trial's confirmation: the removal of its record.
    if (p.name === 'unlink' && /\/trial\.json"\)$/.test(p.call)) for (const d of [-1, 0, 1]) pick.add(n + d);
  });
  const spread = Math.max(count - pick.size, 2);
  for (let k = 0; k < spread; k++) {
    // A spread point that lands on a commit-critical one moves to the next free call, so the sample
    // keeps its size whatever the number of points.
    let n = Math.round((k * (points.length - 1)) / (spread - 1));
    while (pick.has(n) && n < points.length - 1) n++;
    pick.add(n);
  }
  return [...pick].filter((n) => n >= 0 && n < points.length).sort((a, b) => a - b).map((n) => points[n]!);
}

/**
 * Which tree a kill at each point must end in: old before a trial's confirmation and new once it is
 * durable; always old for a trial that fails; else either. The confirmation is the trial record's
 * removal, durable once `.servicepack/` is fsynced right after it: a kill at either call may end in
 * either tree (after a power cut the removal may be lost).
 */
export function expectedOutcomes(s: Scenario, all: CrashPoint[]): (p: CrashPoint) => 'old' | 'new' | 'either' {
  if (s.alwaysOld === true) return () => 'old';
  if (s.confirmCall === undefined) return () => 'either';
  const at = all.findIndex((p) => s.confirmCall!.test(p.call));
  if (at < 0) throw new Error(`${s.op}: no crash point confirms the trial (${s.confirmCall})`);
  if (all[at + 1]?.name !== 'fsync') throw new Error(`${s.op}: the trial record's removal is not followed by an fsync`);
  const [first, durable] = [all[at]!.seq, all[at + 1]!.seq];
  return (p) => (p.seq < first ? 'old' : p.seq > durable ? 'new' : 'either');
}

async function runCell(s: Scenario, kind: MediumKind, opts: MatrixOptions): Promise<CellResult> {
  const started = Date.now();
  const media: Medium[] = [];
  const works: string[] = [];
  try {
    for (let j = 0; j < opts.jobs; j++) {
      media.push(openMedium(kind));
      works.push(mkdtempSync(join(tmpdir(), 'servicepack-crashlog-')));
    }
    const all = await countPoints(s, media[0]!, works[0]!);
    const chosen = all.filter((p) => (opts.calls === undefined || opts.calls.includes(p.name)) && (opts.seqs === undefined || opts.seqs.includes(p.seq)));
    const points = opts.sample === undefined ? chosen : samplePoints(chosen, opts.sample);
    const expected = expectedOutcomes(s, all);
    const results: PointResult[] = [];
    let next = 0;
    await Promise.all(media.map(async (m, j) => {
      while (next < points.length) {
        const p = points[next++]!;
        results.push(await runPoint(s, m, p, works[j]!, expected(p)));
      }
    }));
    const byCall: Record<string, number> = {};
    for (const r of results) byCall[r.point.name] = (byCall[r.point.name] ?? 0) + 1;
    return {
      op: s.op, medium: kind, total: all.length, tested: results.length,
      passed: results.filter((r) => r.problems.length === 0).length,
      outcomes: { old: results.filter((r) => r.outcome === 'old').length, new: results.filter((r) => r.outcome === 'new').length },
      byCall, failures: results.filter((r) => r.problems.length > 0).sort((a, b) => a.point.seq - b.point.seq),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const m of media) m.close();
    for (const w of works) rmSync(w, { recursive: true, force: true });
  }
}

export async function runMatrix(opts: MatrixOptions): Promise<CellResult[]> {
  const cells: CellResult[] = [];
  for (const kind of opts.media) {
    for (const s of opts.scenarios) {
      const cell = await runCell(s, kind, opts);
      opts.onCell?.(cell);
      cells.push(cell);
    }
  }
  return cells;
}

export function formatCell(c: CellResult): string {
  const calls = Object.entries(c.byCall).map(([k, v]) => `${k} ${v}`).join(', ');
  const head = `${c.op.padEnd(10)} ${c.medium.padEnd(8)} ${String(c.passed).padStart(5)}/${String(c.tested).padEnd(5)} passed` +
    ` (of ${c.total} points; ended old ${c.outcomes.old}, new ${c.outcomes.new}) ${c.seconds.toFixed(1)} s  [${calls}]`;
  const fails = c.failures.slice(0, 10).map((f) => `    FAIL #${f.point.seq} ${f.point.name}#${f.point.ordinal} ${f.point.call}\n      ${f.problems.join('\n      ')}`);
  return [head, ...fails].join('\n');
}
