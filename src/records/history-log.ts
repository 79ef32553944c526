// The target's history log (.servicepack/history.log): one JSON line per event that changed what is
// installed — a committed install or uninstall (with its hooks, and the output of a failed one), a
// recovery, a prune of backups. Append-only and best-effort: it is written after the transaction it
// reports, outside it; state.json stays the record of truth (docs/journal.md, "The history log").
import * as path from 'node:path';
import { isServicePackError } from '../errors/index.js';
import { appendLine, readLines } from '../fs/append-line.js';
import type { Layout } from './layout.js';
import type { TxContext } from './tx-context.js';

export interface HistoryHook {
  phase: 'pre' | 'post';
  argv: string[];
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  error?: string;
  /** The last 4 KiB of its output, kept only when it failed. */
  output?: string;
}

export interface HistoryEvent {
  /** ISO 8601, UTC. */
  time: string;
  event: 'install' | 'uninstall' | 'recover' | 'prune';
  outcome: 'committed' | 'rolled-back' | 'rolled-forward' | 'pruned';
  txid?: string;
  /** For recover: what kind of transaction it settled. */
  kind?: 'install' | 'uninstall';
  product?: string;
  fromVersion?: string;
  toVersion?: string;
  packId?: string;
  hooks?: HistoryHook[];
  /** Some process still ran the old version after the commit. */
  restartNeeded?: boolean;
  /** For prune: the transactions whose backups were given up. */
  pruned?: string[];
  bytesFreed?: number;
}

export const historyLogOf = (layout: Layout): string => path.join(layout.dir, 'history.log');

/**
 * Appends `event` (stamped now). A failure to write (full disk, read-only file system, a symlink in its
 * place) is a warning event, never an error: the transaction it reports has already happened.
 */
export function logEvent(ctx: TxContext, event: Omit<HistoryEvent, 'time'>): void {
  try {
    appendLine(historyLogOf(ctx.layout), JSON.stringify({ time: new Date(ctx.platform.now()).toISOString(), ...event }));
  } catch (err) {
    if (!isServicePackError(err, 'IO_FAILED')) throw err;
    ctx.emit({ type: 'warning', code: 'HISTORY_NOT_WRITTEN', message: `the history log was not written: ${err.message}` });
  }
}

/** The events of the log, oldest first; a line cut short by a crash (not JSON) is skipped. */
export function readHistoryLog(layout: Layout): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const line of readLines(historyLogOf(layout))) {
    if (line === '') continue;
    try {
      const e = JSON.parse(line) as HistoryEvent;
      if (typeof e === 'object' && e !== null && typeof e.time === 'string' && typeof e.event === 'string') events.push(e);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
    }
  }
  return events;
}
