// history: the target's history log, oldest first (records/history-log.ts). Reads only.
import { ServicePackError } from '../errors/index.js';
import { lstatOrNull } from '../fs/durable.js';
import { requireTarget } from '../engine/require-target.js';
import { readHistoryLog, type HistoryEvent } from '../records/history-log.js';
import { checkStateDir } from '../records/state-dir.js';
import type { TxContext } from '../records/tx-context.js';

export interface HistoryResult {
  target: string;
  events: HistoryEvent[];
}

export function targetHistory(ctx: TxContext): HistoryResult {
  requireTarget(ctx.layout.target);
  if (lstatOrNull(ctx.layout.dir) === null) {
    throw new ServicePackError('NOT_MANAGED', `${ctx.layout.target} has no servicepack state`, {
      hint: 'Nothing was ever installed there by servicepack, so it has no history.',
      details: { target: ctx.layout.target },
    });
  }
  checkStateDir(ctx);
  return { target: ctx.layout.target, events: readHistoryLog(ctx.layout) };
}
