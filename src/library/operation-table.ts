// Every library operation that works on files, by name: which options it takes and how it runs, on
// whatever thread calls it. The synchronous variants (installSync, ...) call these on the caller's
// thread; the Promise variants call the same entry on a worker thread (run-in-worker.ts). A new
// operation, or a new option of one, is a line here: the worker plumbing passes any name through.
import { ServicePackError } from '../errors/index.js';
import { inspectPack } from '../format/index.js';
import { selectPlatform, type Platform } from '../platform/index.js';
import { contextFor, type TxContext } from '../records/tx-context.js';
import type { EventSink } from '../records/events.js';
import { signatureKeyId, verifyPackFile, writeKeyPair } from '../signing/index.js';
import { installPack, planInstallOnly } from '../operations/install.js';
import { recoverTarget } from '../operations/recover-target.js';
import { cleanupTarget } from '../operations/cleanup-target.js';
import { listHolders } from '../operations/list-holders.js';
import { targetStatus } from '../operations/status.js';
import { trustTarget } from '../operations/trust-target.js';
import { planUninstallOnly, uninstallLatest } from '../operations/uninstall.js';
import { targetHistory } from '../operations/history.js';
import { verifyTarget } from '../operations/verify-target.js';
import { CALL_OPTIONS, TARGET_OPTIONS, checkOptionNames, listOf } from './api-options.js';
import type { CleanupOptions, InspectOptions, InstallOptions, TargetOptions, TrustCallOptions, HoldersOptions, KeygenOptions, CallOptions, UninstallOptions } from './api-types.js';

/** What a call gets from the thread it runs on. */
export interface CallEnv {
  /** The platform object given to a synchronous call, if any. */
  platform?: Platform;
  emit?: EventSink;
  /** Polled by transactions up to their point of no return (see TxContext). */
  stopRequested?: () => string | null;
}

export interface OperationEntry {
  /** Option names besides CALL_OPTIONS (checked before the call starts, on the calling thread). */
  options: readonly string[];
  /** Where its arguments' options object is: install and inspect take a pack path first. */
  optionsAt: 0 | 1;
  /** Changes nothing: an abort may end it at once (the worker is terminated). */
  readOnly(args: readonly unknown[]): boolean;
  run(env: CallEnv, args: readonly unknown[]): unknown;
}

function platformOf(env: CallEnv, o: CallOptions & { inUseWait?: number }): Platform {
  if (env.platform !== undefined) return env.platform;
  const options = o.inUseWait === undefined ? {} : { inUseWaitMs: o.inUseWait };
  return selectPlatform(typeof o.platform === 'string' ? o.platform : undefined, options);
}

function ctxOf(env: CallEnv, o: TargetOptions & { inUseWait?: number }): TxContext {
  const ctx = contextFor(o.target, platformOf(env, o), env.emit ?? o.onEvent);
  const stop = env.stopRequested ?? o.stopRequested;
  return stop === undefined ? ctx : { ...ctx, stopRequested: stop };
}

/** The context of a call on this thread, from its options alone (the fleet's sync runs this way). */
export function contextOfOptions(o: TargetOptions & { inUseWait?: number }): TxContext {
  return ctxOf({}, o);
}

const optionsOf = <T>(args: readonly unknown[], at: number): T => (args[at] ?? {}) as T;

export const operationTable: Record<string, OperationEntry> = {
  install: {
    options: ['target', 'trustedKey', 'allowUnsigned', 'allowDowngrade', 'dryRun', 'keep', 'health', 'restartUnits', 'inUseWait', 'now'],
    optionsAt: 1,
    readOnly: (args) => optionsOf<InstallOptions>(args, 1).dryRun === true,
    run(env, args) {
      const pack = args[0] as string;
      const o = optionsOf<InstallOptions>(args, 1);
      const trust = { trustedKeys: listOf(o.trustedKey), allowUnsigned: o.allowUnsigned === true, allowDowngrade: o.allowDowngrade === true, ...(o.now === undefined ? {} : { now: o.now }) };
      const health = o.health === false ? { noHealth: true } : o.health === undefined ? {} : { health: o.health };
      const retention = o.keep === undefined ? {} : { keepBackups: o.keep };
      const ctx = ctxOf(env, o);
      const options = { ...trust, ...health, ...retention };
      return o.dryRun === true ? planInstallOnly(ctx, pack, options) : installPack(ctx, pack, { ...options, restartUnits: o.restartUnits === true });
    },
  },
  uninstall: {
    options: ['target', 'dryRun', 'restartUnits', 'inUseWait'],
    optionsAt: 0,
    readOnly: (args) => optionsOf<UninstallOptions>(args, 0).dryRun === true,
    run: (env, args) => {
      const o = optionsOf<UninstallOptions>(args, 0);
      return o.dryRun === true ? planUninstallOnly(ctxOf(env, o)) : uninstallLatest(ctxOf(env, o), { restartUnits: o.restartUnits === true });
    },
  },
  recover: { options: ['target'], optionsAt: 0, readOnly: () => false, run: (env, args) => recoverTarget(ctxOf(env, optionsOf(args, 0))) },
  cleanup: {
    options: ['target', 'dryRun', 'prune'],
    optionsAt: 0,
    readOnly: () => false,
    run: (env, args) => {
      const o = optionsOf<CleanupOptions>(args, 0);
      return cleanupTarget(ctxOf(env, o), { dryRun: o.dryRun === true, ...(o.prune === undefined ? {} : { keep: o.prune }) });
    },
  },
  trust: {
    options: ['target', 'add', 'remove'],
    optionsAt: 0,
    readOnly: (args) => listOf(optionsOf<TrustCallOptions>(args, 0).add).length + listOf(optionsOf<TrustCallOptions>(args, 0).remove).length === 0,
    run: (env, args) => {
      const o = optionsOf<TrustCallOptions>(args, 0);
      return trustTarget(ctxOf(env, o), { add: listOf(o.add), remove: listOf(o.remove) });
    },
  },
  status: { options: ['target'], optionsAt: 0, readOnly: () => true, run: (env, args) => targetStatus(ctxOf(env, optionsOf(args, 0))) },
  history: { options: ['target'], optionsAt: 0, readOnly: () => true, run: (env, args) => targetHistory(ctxOf(env, optionsOf(args, 0))) },
  verify: { options: ['target'], optionsAt: 0, readOnly: () => true, run: (env, args) => verifyTarget(ctxOf(env, optionsOf(args, 0))) },
  holders: {
    options: ['target', 'paths'],
    optionsAt: 0,
    readOnly: () => true,
    run: (env, args) => {
      const o = optionsOf<HoldersOptions>(args, 0);
      return listHolders(ctxOf(env, o), listOf(o.paths));
    },
  },
  inspect: {
    options: ['trustedKey'],
    optionsAt: 1,
    readOnly: () => true,
    run: (_env, args) => {
      const pack = args[0] as string;
      const keys = listOf(optionsOf<InspectOptions>(args, 1).trustedKey);
      const summary = inspectPack(pack, signatureKeyId);
      return keys.length === 0 ? summary : { ...summary, trust: verifyPackFile(pack, keys) };
    },
  },
  keygen: {
    options: ['out'],
    optionsAt: 0,
    readOnly: () => false,
    run: (env, args) => {
      const o = optionsOf<KeygenOptions>(args, 0);
      return writeKeyPair(o.out, platformOf(env, o));
    },
  },
};

/** The entry for `name`, after checking the option names of `args`; throws USAGE for an unknown option. */
export function operationFor(name: string, args: readonly unknown[]): OperationEntry {
  const entry = operationTable[name];
  if (entry === undefined) throw new Error(`no library operation ${name}`);
  const known = [...(entry.options.includes('target') ? TARGET_OPTIONS : CALL_OPTIONS), ...entry.options];
  const o = args[entry.optionsAt];
  if (o !== undefined || entry.optionsAt === 0) checkOptionNames(name, o, known);
  if (entry.optionsAt === 1 && typeof args[0] !== 'string') {
    throw new ServicePackError('USAGE', `${name}: the pack path must be a string`, { hint: `Call ${name}('sp.svp', { ... }).`, details: { argument: 'packPath' } });
  }
  return entry;
}

/**
 * Runs one operation on this thread. A stop that arrives after the point of no return of an operation
 * that changes the target does not undo it: the result then says so in `lateStop`.
 */
export function runOperation(name: string, args: readonly unknown[], env: CallEnv): unknown {
  const entry = operationFor(name, args);
  const result = entry.run(env, args);
  const o = (args[entry.optionsAt] ?? {}) as CallOptions;
  const late = entry.readOnly(args) ? null : (env.stopRequested ?? o.stopRequested)?.() ?? null;
  if (late === null || typeof result !== 'object' || result === null) return result;
  (env.emit ?? o.onEvent)?.({ type: 'warning', code: 'INTERRUPTED', message: `${late} arrived after the point of no return: ${name} was finished, not stopped` });
  return { ...result, lateStop: late };
}
