// Child process of the crash harness (kept out of test/ so that `node --test dist/` does not run it). `op` runs ONE library operation on a target the way
// the Promise API runs it, on a worker thread (runner-worker.ts), between two marker writes made by that
// thread, so that an strace log shows exactly which syscalls belong to the operation and on which
// thread; `settle` runs recover in a fresh process and reports what a user would then see (status,
// tree, leftovers).
import { readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isServicePackError, recoverSync as recover, statusSync as status, uninstallSync as uninstall, type ServicePackError } from '../../src/index.js';
import { runInWorker } from '../../src/library/run-in-worker.js';
import { describeTree } from '../../test/helpers/tree.js';

/** The operations under test: the library call's arguments, from the target and the remaining argv. Add one line per operation. */
export const operations: Record<string, (target: string, args: string[]) => unknown[]> = {
  install: (target, [pack, key]) => [pack!, { target, ...(key === undefined ? {} : { trustedKey: [key] }) }],
  uninstall: (target) => [{ target }],
  recover: (target) => [{ target }],
  cleanup: (target) => [{ target }],
};

const WORKER = new URL('./runner-worker.js', import.meta.url);


/** What `settle` prints: the recovery outcome, what status says, the tree and `.servicepack/` leftovers. */
export interface Settled {
  recovered: string;
  version: string | null;
  pending: unknown;
  lockedBy: number | null;
  historyTxids: string[];
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
    const args = operations[mode ?? ''];
    if (args === undefined) throw new Error(`unknown mode ${mode}`);
    const result = (await runInWorker(mode!, args(target, rest), WORKER)) as { recovered?: unknown; result?: unknown };
    print({ ok: true, recovered: result.recovered ?? result.result });
    return 0;
  } catch (err) {
    if (!isServicePackError(err)) throw err;
    print(errorJson(err));
    return err.code === 'RECOVERY_NEEDED' ? 4 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
