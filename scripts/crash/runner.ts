// Child process of the crash harness (kept out of test/ so that `node --test dist/` does not run it). `op` runs ONE library operation on a target the way
// the Promise API runs it, on a worker thread (runner-worker.ts), between two marker writes made by that
// thread, so that an strace log shows exactly which syscalls belong to the operation and on which
// thread; `settle` runs recover in a fresh process and reports what a user would then see (status,
// tree, leftovers).
import { readFileSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isServicePackError, recoverSync as recover, statusSync as status, uninstallSync as uninstall, type ServicePackError } from '../../src/index.js';
import { runInWorker } from '../../src/library/run-in-worker.js';
import { describeTree } from '../../test/helpers/tree.js';

/**
 * The operations under test: the library operation to run and its arguments, from the target and the
 * remaining argv. Add one line per operation.
 */
export const operations: Record<string, (target: string, args: string[]) => [string, unknown[]]> = {
  install: (target, [pack, key]) => ['install', [pack!, { target, ...(key === undefined ? {} : { trustedKey: [key] }) }]],
  uninstall: (target) => ['uninstall', [{ target }]],
  recover: (target) => ['recover', [{ target }]],
  cleanup: (target) => ['cleanup', [{ target }]],
  // A trial whose check passes at once: confirmed after 0.1 s of passing.
  'install-trial': (target, [pack, key]) => ['install', [pack!, { target, trustedKey: [key!], health: { checks: [{ cmd: ['true'] }], delayMs: 0, periodMs: 50, windowMs: 100, deadlineMs: 60_000 } }]],
  // A trial whose check always fails: rolled back once the window can no longer fit before the deadline
  // (main() reports its HEALTH_FAILED as the outcome 'health-failed').
  'install-trial-fail': (target, [pack, key]) => ['install', [pack!, { target, trustedKey: [key!], health: { checks: [{ cmd: ['false'] }], delayMs: 0, periodMs: 50, windowMs: 100, deadlineMs: 200 } }]],
};

const WORKER = new URL('./runner-worker.js', import.meta.url);


/** What `settle` prints: the recovery outcome, what status says, the tree and `.servicepack/` leftovers. */
export interface Settled {
  recovered: string;
  version: string | null;
  pending: unknown;
  lockedBy: number | null;
  historyTxids: string[];
  /** The transaction whose listing of the tree the state names (`tree/<txid>.json`), if any. */
  listing: string | null;
  tree: string[];
  servicepack: string[];
  /** With `settle <target> <version>`: the tree after uninstalling, when `version` was installed. */
  afterUninstall?: string[];
}

const print = (value: unknown): void => {
  writeSync(1, `${JSON.stringify(value)}\n`);
};

function errorJson(err: ServicePackError): object {
  return { error: { code: err.code, message: err.message, details: err.details } };
}

function listAll(dir: string, rel = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(join(dir, rel));
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = rel === '' ? n : `${rel}/${n}`;
    return [p, ...listAll(dir, p)];
  });
}

function listingOf(target: string): string | null {
  try {
    const state = JSON.parse(readFileSync(join(target, '.servicepack', 'state.json'), 'utf8')) as { record?: { listing?: string } };
    return state.record?.listing ?? null;
  } catch {
    return null;
  }
}

function settle(target: string, uninstallIfVersion: string | undefined): Settled {
  let recovered: string;
  try {
    const r = recover({ target }).result;
    recovered = r.outcome;
  } catch (err) {
    // A first install killed before it created `.servicepack/` leaves nothing to recover.
    if (!isServicePackError(err) || err.code !== 'NOT_MANAGED') throw err;
    recovered = 'not-managed';
  }
  const s = status({ target });
  const settled: Settled = {
    recovered, version: s.version, pending: s.pending, lockedBy: s.lockedBy,
    historyTxids: s.history.map((h) => h.txid),
    listing: listingOf(target),
    tree: describeTree(target, { exclude: ['.servicepack'] }),
    servicepack: listAll(join(target, '.servicepack')).sort(),
  };
  // The backup must have survived too: uninstalling has to give back the exact tree before the pack.
  if (uninstallIfVersion !== undefined && s.version === uninstallIfVersion) {
    uninstall({ target });
    settled.afterUninstall = describeTree(target, { exclude: ['.servicepack'] });
  }
  return settled;
}

async function main(argv: string[]): Promise<number> {
  const [mode, target, ...rest] = argv;
  if (target === undefined) throw new Error('usage: runner.js op|settle <target> ...');
  try {
    if (mode === 'settle') {
      print(settle(target, rest[0]));
      return 0;
    }
    const call = operations[mode ?? ''];
    if (call === undefined) throw new Error(`unknown mode ${mode}`);
    const [operation, args] = call(target, rest);
    const result = (await runInWorker(operation, args, WORKER)) as { recovered?: unknown; result?: unknown };
    print({ ok: true, recovered: result.recovered ?? result.result });
    return 0;
  } catch (err) {
    if (!isServicePackError(err)) throw err;
    if (mode === 'install-trial-fail' && err.code === 'HEALTH_FAILED') {
      print({ ok: true, recovered: 'health-failed' });
      return 0;
    }
    print(errorJson(err));
    return err.code === 'RECOVERY_NEEDED' ? 4 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
