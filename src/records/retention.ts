// The retention policy for uninstall backups: which installed service packs keep their set-aside files.
import type { HistoryEntry } from './state-file.js';

/**
 * The history with the uninstall backups of all but the newest `keep` packs given up (marked pruned):
 * once that state is written, clean-ups remove their set-aside files and uninstall refuses them
 * (BACKUP_PRUNED). `undefined` keeps everything.
 */
export function retain(history: HistoryEntry[], keep: number | undefined): HistoryEntry[] {
  if (keep === undefined) return history;
  return history.map((h, n) => (n < history.length - keep && h.pruned !== true ? { ...h, pruned: true as const } : h));
}

/** The txids `retain` would newly give up. */
export function toPrune(history: HistoryEntry[], keep: number | undefined): string[] {
  return retain(history, keep).filter((h, n) => h.pruned === true && history[n]!.pruned !== true).map((h) => h.txid);
}
