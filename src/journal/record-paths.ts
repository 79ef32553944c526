// The paths a record in `.servicepack/` may carry (docs/journal.md, "What is checked when a record is
// read"). A record is data, never trusted as a path: each path is checked when the record is parsed,
// against the one shape servicepack writes there, so a damaged or planted record cannot name anything
// outside its expected directory. Each function returns the problem, or undefined when there is none.
import { foldPath, STATE_DIR_NAME } from '../format/paths.js';

/** A transaction id as newTxid makes it: `YYYYMMDDTHHMMSSZ-` and 8 hex digits. */
const TXID = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;
/** A pinned key file: `trust/` and 16 upper-case hex digits (trust-store.ts pinFileOf). */
const PIN_FILE = /^trust\/[0-9A-F]{16}\.pub$/;

/** The trial record (records/layout.ts TRIAL_FILE), which an install on trial writes before its journal. */
const TRIAL_RECORD = 'trial.json';

const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v);

export function txidProblem(field: string, v: unknown): string | undefined {
  return typeof v === 'string' && TXID.test(v) ? undefined : `${field} ${shown(v)} is not a transaction id`;
}

/**
 * A path relative to the target that stays inside it: not empty, not absolute, '/'-separated with no
 * empty, '.' or '..' component, no NUL or backslash, and not in `.servicepack` (in any letter case).
 * The confinement part of a pack's path rules (docs/format.md "Paths"), lean enough for a state of a
 * million files: records only hold paths that passed the full rules when their pack was read.
 */
export function targetPathProblem(field: string, v: unknown): string | undefined {
  if (typeof v !== 'string') return `${field} is ${typeof v}, not a path`;
  const reason = escapeReason(v);
  return reason === undefined ? undefined : `${field} ${shown(v)}: ${reason}`;
}

/** An empty, '.' or '..' component (one regular expression: splitting a million paths costs seconds). */
const NOT_PLAIN = /(?:^|\/)(?:\.\.?)?(?:\/|$)/;

function escapeReason(p: string): string | undefined {
  if (p.length === 0) return 'the path is empty';
  if (p.includes('\0')) return 'the path contains a NUL character';
  if (p.includes('\\')) return 'the path contains a backslash';
  if (p.startsWith('/')) return 'the path is absolute';
  if (NOT_PLAIN.test(p)) return "the path has an empty, '.' or '..' component";
  const slash = p.indexOf('/');
  const first = slash < 0 ? p : p.slice(0, slash);
  const folded = /^[\x00-\x7f]*$/.test(first) ? first.toLowerCase() : foldPath(first);
  if (folded === STATE_DIR_NAME) return `the path is servicepack's own ${STATE_DIR_NAME} state directory or below it`;
  return undefined;
}

/**
 * A journal's paths. Steps: `path` is a target path; `aside` is `backup/<txid>/files/<path>` of this
 * transaction; `incoming` is `staging/<txid>/<n>` of this transaction (install) or
 * `backup/<txid of the pack>/files/<path>` (uninstall). afterCommit and afterRollback name only this
 * transaction's `staging/<txid>`, `backup/<txid>` and `tree/<txid>.json`, pinned key files and the trial record.
 */
export function journalPathsProblem(txid: string, steps: unknown[], afterCommit: unknown[], afterRollback: unknown[]): string | undefined {
  const tx = txidProblem('txid', txid);
  if (tx !== undefined) return tx;
  for (const [n, s] of steps.entries()) {
    const problem = stepProblem(`steps[${n}]`, txid, s);
    if (problem !== undefined) return problem;
  }
  const removable = new Set([`staging/${txid}`, `backup/${txid}`, `tree/${txid}.json`]);
  for (const [name, list] of [['afterCommit', afterCommit], ['afterRollback', afterRollback]] as const) {
    for (const [n, rel] of list.entries()) {
      if (typeof rel !== 'string' || (!removable.has(rel) && !PIN_FILE.test(rel) && rel !== TRIAL_RECORD)) {
        return `${name}[${n}] ${shown(rel)} is not staging/${txid}, backup/${txid}, tree/${txid}.json, ${TRIAL_RECORD} or a pinned key file`;
      }
    }
  }
  return undefined;
}

const STEP_OPS: ReadonlySet<unknown> = new Set(['swap', 'mkdir', 'rmdir', 'chmod']);

function stepProblem(field: string, txid: string, s: unknown): string | undefined {
  if (typeof s !== 'object' || s === null) return `${field} is not an object`;
  const step = s as Record<string, unknown>;
  if (!STEP_OPS.has(step.op)) return `${field}.op ${shown(step.op)} is not ${[...STEP_OPS].join(', ')}`;
  const target = targetPathProblem(`${field}.path`, step.path);
  if (target !== undefined) return target;
  const p = step.path as string;
  if (step.op !== 'swap') return step.incoming === undefined && step.aside === undefined ? undefined : `${field} is a ${step.op} with swap paths`;
  if (step.aside !== undefined && step.aside !== `backup/${txid}/files/${p}`) {
    return `${field}.aside ${shown(step.aside)} is not backup/${txid}/files/${p}`;
  }
  if (step.incoming !== undefined && !isIncoming(txid, p, step.incoming)) {
    return `${field}.incoming ${shown(step.incoming)} is not staging/${txid}/<n> or backup/<txid>/files/${p}`;
  }
  if (step.incoming === undefined && step.aside === undefined) return `${field} is a swap without paths`;
  return undefined;
}

function isIncoming(txid: string, p: string, v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const staged = `staging/${txid}/`;
  if (v.startsWith(staged) && /^\d+$/.test(v.slice(staged.length))) return true;
  const m = /^backup\/([^/]+)\/files\/(.*)$/s.exec(v);
  return m !== null && TXID.test(m[1]!) && m[2] === p;
}

/**
 * The paths of an installed state or the state a backup record keeps: file keys, owner keys and history
 * txids.
 */
export function statePathsProblem(files: object, history: unknown[], owners: object = {}): string | undefined {
  for (const [what, keys] of [['files key', Object.keys(files)], ['owners key', Object.keys(owners ?? {})]] as const) {
    for (const key of keys) {
      const problem = targetPathProblem(what, key);
      if (problem !== undefined) return problem;
    }
  }
  for (const [n, h] of history.entries()) {
    if (typeof h !== 'object' || h === null) return `history[${n}] is not an object`;
    const problem = txidProblem(`history[${n}].txid`, (h as { txid?: unknown }).txid);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
