// Read-only commands that judge the target against a version (verify, install --dry-run) refuse while a
// journal is pending: the tree is between two versions, the differences they would list are the
// interrupted transaction's, and the answer is `recover`, not restoring files.
import { ServicePackError, isServicePackError } from '../errors/index.js';
import { readJournal, type Journal } from '../journal/journal.js';
import type { TxContext } from '../records/tx-context.js';
import { unreadable } from '../records/state-file.js';

export function refuseIfPending(ctx: TxContext, what: string): void {
  const { layout } = ctx;
  let journal: Journal | null;
  try {
    journal = readJournal(layout.journal);
  } catch (err) {
    // `.servicepack` that is not a directory: the same TARGET_UNSAFE as every other command gives.
    if (isServicePackError(err, 'IO_FAILED') && err.details.errno === 'ENOTDIR') throw unreadable(layout, layout.journal, err.cause);
    throw err;
  }
  if (journal === null) return;
  const tx = `${journal.kind} ${journal.txid}`;
  throw new ServicePackError('RECOVERY_NEEDED', `an interrupted ${tx} is pending in ${layout.target}: its files are between two versions until it is recovered`, {
    hint: `Run \`servicepack recover --target ${layout.target}\` first: it rolls the interrupted ${journal.kind} back (or finishes it if it had reached its point of no return); then run ${what} again.`,
    details: { target: layout.target, reason: `pending ${tx}`, txid: journal.txid, kind: journal.kind },
  });
}
