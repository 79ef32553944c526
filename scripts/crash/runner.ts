// Child process of the crash harness (kept out of test/ so that `node --test dist/` does not run it). `op` runs ONE library operation on a target between two marker
// writes, so that an strace log shows exactly which syscalls belong to the operation; `settle` runs
// recover in a fresh process and reports what a user would then see (status, tree, leftovers).
import { closeSync, openSync, readFileSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, install, isServicePackError, recover, status, uninstall, type ServicePackError } from '../../src/index.js';
import { describeTree } from '../../test/helpers/tree.js';
import { WINDOW_BEGIN, WINDOW_END } from '../../test/crash/markers.js';

/** The operations under test; each takes the target and the remaining argv. Add one line per operation. */
export const operations: Record<string, (target: string, args: string[]) => unknown> = {
  install: (target, [pack, key]) => install(pack!, { target, ...(key === undefined ? {} : { trustedKeys: [key] }) }),
  uninstall: (target) => uninstall({ target }),
  recover: (target) => recover({ target }),
  cleanup: (target) => cleanup({ target }),
};


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

/**
 * strace counts `when=N` per thread, and at startup libuv's pool thread (loading ES modules) makes a few
 * dozen opens and writes of its own. Padding the main thread's counts past that keeps every call of the
 * window at an ordinal the pool thread never reaches, so a kill always lands in the main thread.
 */
function padCounts(): void {
  for (let n = 0; n < 200; n++) {
    const fd = openSync('/dev/null', 'w');
    writeSync(fd, '.');
    closeSync(fd);
  }
}

function main(argv: string[]): number {
  const [mode, target, ...rest] = argv;
  if (target === undefined) throw new Error('usage: runner.js op|settle <target> ...');
  try {
    if (mode === 'settle') {
      print(settle(target, rest[0]));
      return 0;
    }
    const run = operations[mode ?? ''];
    if (run === undefined) throw new Error(`unknown mode ${mode}`);
    padCounts();
    writeSync(1, `${WINDOW_BEGIN}\n`);
    const result = run(target, rest) as { recovered?: unknown; result?: unknown };
    writeSync(1, `${WINDOW_END}\n`);
    print({ ok: true, recovered: result.recovered ?? result.result });
    return 0;
  } catch (err) {
    if (!isServicePackError(err)) throw err;
    print(errorJson(err));
    return err.code === 'RECOVERY_NEEDED' ? 4 : 1;
  }
}

process.exitCode = main(process.argv.slice(2));
