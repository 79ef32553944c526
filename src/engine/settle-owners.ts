// Which replaced files' owners an install can keep: root gives any owner; another user only itself and
// its own groups (docs/format.md, "Modes, owners and links at install").
import type { Transition } from '../planner/transition.js';
import type { TxContext } from '../records/tx-context.js';

/**
 * Keeps, on each transition, the owner a staged file takes over from the file it replaces, where the
 * installer may give it. Without that right (not root, and the replaced file's owner is another user or
 * a group the installer is not in) the new file stays the installer's, with the mode the preflight chose
 * (never more open than the replaced file), a warning says so, and no owner is recorded for `verify`.
 */
export function settleOwners(ctx: TxContext, transitions: readonly Transition[]): void {
  const euid = process.geteuid?.();
  for (const t of transitions) {
    const owner = t.owner;
    if (owner === undefined || euid === 0) continue;
    if (euid !== undefined && owner.uid === euid && (owner.gid === process.getegid?.() || process.getgroups?.().includes(owner.gid) === true)) continue;
    delete t.owner;
    if (euid === undefined) continue; // no owners on this system
    ctx.emit({ type: 'warning', code: 'OWNER_NOT_KEPT', message: `${t.path} belonged to uid ${owner.uid} gid ${owner.gid}; only root can give the new file that owner, so it belongs to the installing user (mode ${t.to?.type === 'file' ? t.to.mode.toString(8).padStart(4, '0') : '?'})` });
  }
}

