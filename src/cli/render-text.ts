// Text rendering of each command's result object (the --json form is the object itself).
import type {
  AfterCommit, BuildResult, CleanupResult, CleanupTargetResult, HealthCheckResult, Holder, HoldersResult, InstallPlan, InstallResult, PackSummary, PackSummaryEntry, PlannedAction,
  HistoryEvent, HistoryResult, PackTrust, RecoverResult, StatusResult, UninstallPlan, UninstallResult, Uninspectable, VerifyResult,
} from '../index.js';
import { humanBytes } from './human-size.js';


export function renderBuild(r: BuildResult): string[] {
  const c = r.counts;
  return [
    `built ${r.out} (${humanBytes(r.size)}, ${r.blobs} blobs, ${r.deltas} of them deltas): ${c.change} changed, ${c.add} added, ${c.remove} removed, ${c.keep} unchanged`, `pack id ${r.packId}`,
    r.keyId === undefined ? 'UNSIGNED: installs refuse it unless given --allow-unsigned' : `signed with key ${r.keyId}${r.expires === undefined ? '' : `, expires ${r.expires}`}`,
    ...r.specialBitsDropped.map((p) => `warning: ${p}: setuid, setgid or sticky bit not recorded (build with --keep-special-bits to keep it)`),
  ];
}

export function renderInspect(s: PackSummary & { trust?: PackTrust }, verbose: boolean): string[] {
  const c = s.counts;
  const expired = s.expires !== undefined && Date.parse(s.expires) <= Date.now();
  const hooks = (['pre', 'post'] as const).filter((p) => s.hooks[p] !== undefined);
  const listed = s.entries.filter((e) => e.action !== 'keep');
  return [
    `${s.product} ${s.fromVersion} -> ${s.toVersion} (format ${s.formatVersion}, ${s.signed ? `signed by key ${s.keyId}` : 'unsigned'}, ${humanBytes(s.size)})`,
    `pack id ${s.packId}`,
    ...(s.trust === undefined ? [] : [`signature: verified by trusted key ${s.trust.keyId}`]),
    s.expires === undefined ? 'expires: never' : `expires: ${s.expires}${expired ? ' (EXPIRED: installs refuse it)' : ''}`,
    ...(hooks.length === 0
      ? ['hooks: none']
      : ['hooks (run by the installer in the target directory, with its privileges):', ...hooks.map((p) => `  ${p === 'pre' ? 'pre: ' : 'post:'} ${JSON.stringify(s.hooks[p])}`)]),
    ...(s.health === undefined ? [] : [`health checks: ${s.health.checks.map((h) => ('cmd' in h ? `cmd ${JSON.stringify(h.cmd)}` : 'url' in h ? `url ${h.url}` : `tcp ${h.tcp}`)).join(', ')}`]),
    `${c.change} changed, ${c.add} added, ${c.remove} removed, ${c.keep} unchanged${verbose || listed.length === 0 ? '' : ' (-v lists them)'}`,
    ...(verbose ? listed.map((e) => `  ${e.action.padEnd(6)} ${e.type.padEnd(7)} ${e.path}${e.size !== undefined ? ` (${e.size} bytes${stored(e)})` : ''}`) : []),
  ];
}

function actionLines(actions: PlannedAction[]): string[] {
  return actions.map((a) => `  ${a.action.padEnd(6)} ${a.type.padEnd(7)} ${a.path}${a.bytes > 0 ? ` (${a.bytes} bytes)` : ''}`);
}

/** "pid 1234 (root, started 2026-...) mapped: /opt/x/perfhost a b" */
export function holderLine(h: Holder, indent = '      '): string {
  const where = [h.user, `started ${h.startedAt}`, ...(h.unit ? [`unit ${h.unit}`] : []), ...(h.container ? [`container ${h.container}`] : [])].join(', ');
  return `${indent}pid ${h.pid} ${h.kind} (${where}): ${h.command}`;
}

function uninspectableLines(u: Uninspectable[]): string[] {
  if (u.length === 0) return [];
  const shown = u.slice(0, 10).map((x) => x.pid).join(', ');
  const more = u.length > 10 ? ', ...' : '';
  if (process.getuid?.() !== 0) return [`${u.length} process(es) could not be inspected (permission denied; run as root to see them): ${shown}${more}`];
  // Root was refused: a sandbox, or the init of a container or micro-VM, hides the process from us.
  const init = u.some((x) => x.pid === 1) ? '; pid 1 is the init of this container or VM, which its host hides even from root' : '';
  return [`${u.length} process(es) could not be inspected even as root (hidden by a sandbox or the container${init}): ${shown}${more}`];
}

/** A target-relative path as shown: the target itself is `.`. */
export const shownPath = (p: string): string => (p === '' ? '.' : p);

/** An install that found its pack installed already (a re-run): nothing was done. */
export function renderAlreadyInstalled(r: InstallPlan | InstallResult): string[] {
  const txid = r.dryRun ? '' : `, transaction ${r.txid}`;
  return [`${r.product} ${r.toVersion} is already installed in ${r.target}: nothing to do (pack ${r.packId.slice(0, 16)}${txid})`];
}

export function renderPlan(p: InstallPlan, verbose: boolean): string[] {
  const others = p.holders.filter((h) => !p.actions.some((a) => a.path === h.path));
  const heldActions = p.actions.filter((a) => a.holders.length > 0);
  return [
    `plan: ${p.product} ${p.fromVersion} -> ${p.toVersion} into ${p.target} (dry run: nothing was changed)`,
    `${actionCounts(p.actions)}${listHint(verbose, p.actions.length)}`,
    // Without -v, the files some process holds still show: they are why a restart will be needed.
    ...(verbose ? p.actions : heldActions).flatMap((a) => [...actionLines([a]), ...a.holders.map((h) => holderLine(h))]),
    ...(verbose ? p.keptDirectories.map((d) => `  keep   dir     ${d} (holds files the pack does not know)`) : []),
    ...(others.length > 0 ? ['processes running from the target:', ...others.map((h) => `  ${shownPath(h.path)}\n${holderLine(h)}`)] : []),
    ...(p.hooks.pre ? [`pre hook:  ${JSON.stringify(p.hooks.pre)}`] : []),
    ...(p.hooks.post ? [`post hook: ${JSON.stringify(p.hooks.post)}`] : []),
    ...healthPlanLines(p.health),
    `to write ${humanBytes(p.bytesToWrite)}, free ${humanBytes(p.freeBytes)}: ${p.fits ? 'fits' : 'DOES NOT FIT'}`,
    p.restartNeeded ? `restart needed: ${new Set(p.holders.map((h) => h.pid)).size} process(es) will still run the old version after the install` : 'no restart needed: no process holds what the pack changes',
    ...uninspectableLines(p.uninspectable),
  ];
}

function healthPlanLines(h: InstallPlan['health']): string[] {
  if (h.outcome === 'none') return [];
  if (h.outcome === 'skipped') return [`health checks skipped (--no-health): ${h.checks.join(', ')}`];
  const t = h.timing;
  return [`health trial: after ${secs(t.delayMs)}, every ${secs(t.periodMs)}, passing for ${secs(t.windowMs)} within ${secs(t.deadlineMs)}:`, ...h.checks.map((c) => `  ${c}`)];
}

const secs = (ms: number): string => `${ms / 1000} s`;

function healthLines(h: InstallResult['health']): string[] {
  if (h.outcome === 'none') return [];
  if (h.outcome === 'skipped') return [`health checks skipped (--no-health): ${h.checks.join(', ')}`];
  return [`health: confirmed after ${secs(h.confirmedAtMs)} (${h.rounds} round(s) of ${h.checks.length} check(s) passing for ${secs(h.timing.windowMs)})`];
}

/** The checks run against the version a failed trial put back. */
export function afterRollBackLines(results: HealthCheckResult[]): string[] {
  return results.map((r) => `  ${r.ok ? 'passes' : 'FAILS '} ${r.check}${r.ok ? '' : ` (${r.reason})`}`);
}

function afterCommitLines(r: AfterCommit): string[] {
  const lines: string[] = [];
  for (const h of r.hooks) {
    lines.push(`${h.phase} hook ${JSON.stringify(h.argv)}: ${h.ok ? 'ok' : `FAILED (${h.error ?? (h.signal ?? `exit ${h.exitCode}`)})`}`);
    if (!h.ok) lines.push(...hookOutputLines(h.output));
  }
  if (r.unitRestarts !== undefined) {
    if (!r.unitRestarts.available) lines.push(`units not restarted: ${r.unitRestarts.reason}`);
    for (const u of r.unitRestarts.units) lines.push(`  unit ${u.unit}: ${u.outcome}${u.detail ? ` (${u.detail})` : ''}`);
  }
  const old = r.staleProcesses.filter((s) => s.runsOldVersion);
  const maybe = r.staleProcesses.filter((s) => !s.runsOldVersion);
  if (old.length > 0) {
    lines.push(`RESTART NEEDED: ${new Set(old.map((s) => s.pid)).size} process(es) still run the old version (they hold files that were replaced):`);
    for (const s of old) lines.push(`  ${shownPath(s.path)} (old version, set aside)`, holderLine(s));
  }
  if (maybe.length > 0) {
    lines.push(`may need a restart: ${new Set(maybe.map((s) => s.pid)).size} process(es) started before the commit and run from the target (they hold no replaced file):`);
    for (const s of maybe) lines.push(`  ${shownPath(s.path)} (${s.kind} in the target, started before the commit)`, holderLine(s));
  }
  lines.push(...uninspectableLines(r.uninspectable), ...cleanupLines(r.cleanup));
  return lines;
}

/** The captured output of a failed hook (its last 4 KiB), indented under it. */
export function hookOutputLines(output: string): string[] {
  const text = output.replace(/\n$/, '');
  if (text === '') return ['  (it printed nothing)'];
  return ['  its output:', ...text.split('\n').map((l) => `  | ${l}`)];
}

/** "4 changed, 3 added, 2 removed" for a list of actions. */
function actionCounts(actions: readonly PlannedAction[]): string {
  const n = (k: PlannedAction['action']) => actions.filter((a) => a.action === k).length;
  return `${n('change')} changed, ${n('add')} added, ${n('remove')} removed`;
}

const listHint = (verbose: boolean, n: number) => (verbose || n === 0 ? '' : ' (-v lists them)');

export function cleanupLines(c: CleanupResult): string[] {
  return [
    ...(c.removed.length > 0 ? [`cleaned up ${c.removed.length} set-aside file(s) (${humanBytes(c.bytesFreed)})`] : []),
    ...c.held.flatMap((h) => [`kept ${h.path}: still held by`, ...h.holders.map((x) => holderLine(x))]),
    ...(c.atReboot.length > 0 ? [`scheduled ${c.atReboot.length} held file(s) for deletion at the next reboot`] : []),
    ...backupWriteLines(c.backupWrites),
  ];
}

function backupWriteLines(writes: StatusResult['backupWrites']): string[] {
  return writes.map((w) => `written after it was set aside: ${w.path} (a process kept writing to the old file; the writes went to ${w.backup})`);
}

export function renderInstall(r: InstallResult, verbose: boolean): string[] {
  return [
    `installed ${r.product} ${r.fromVersion} -> ${r.toVersion} into ${r.target} (transaction ${r.txid})`,
    `${actionCounts(r.actions)}${listHint(verbose, r.actions.length)}; ${humanBytes(r.bytesWritten)} written; ${r.setAside.length} previous file(s) set aside for uninstall`,
    ...(verbose ? actionLines(r.actions) : []),
    ...afterCommitLines(r),
    ...healthLines(r.health),
  ];
}

export function renderUninstall(r: UninstallResult, verbose: boolean): string[] {
  return [
    `uninstalled ${r.removed.toVersion} from ${r.target}: ${r.product} is at version ${r.version} again (transaction ${r.txid})`,
    `${actionCounts(r.actions)}${listHint(verbose, r.actions.length)}`,
    ...(verbose ? actionLines(r.actions) : []),
    ...afterCommitLines(r),
  ];
}

export function renderUninstallPlan(p: UninstallPlan, verbose: boolean): string[] {
  return [
    `plan: uninstall ${p.product} ${p.removed.toVersion} from ${p.target}, back to version ${p.version} (dry run: nothing was changed)`,
    `${actionCounts(p.actions)}${listHint(verbose, p.actions.length)}`,
    ...(verbose ? p.actions.flatMap((a) => [...actionLines([a]), ...a.holders.map((h) => holderLine(h))]) : []),
    p.restartNeeded ? `restart needed: ${new Set(p.holders.map((h) => h.pid)).size} process(es) hold what the uninstall replaces, or run from the target` : 'no restart needed: no process holds what the uninstall replaces',
    ...uninspectableLines(p.uninspectable),
  ];
}

export function renderHolders(r: HoldersResult): string[] {
  const byPath = new Map<string, Holder[]>();
  for (const h of r.holders) byPath.set(h.path, [...(byPath.get(h.path) ?? []), h]);
  return [
    `${r.target}: ${r.holders.length === 0 ? 'no process holds' : `${new Set(r.holders.map((h) => h.pid)).size} process(es) hold`} ${r.paths.length === 1 && r.paths[0] === '' ? 'anything in it' : r.paths.join(', ')} (${r.inspected} processes inspected)`,
    ...[...byPath.keys()].sort().flatMap((p) => [`  ${shownPath(p)}`, ...byPath.get(p)!.map((h) => holderLine(h, '    '))]),
    ...uninspectableLines(r.uninspectable),
  ];
}

export function renderCleanup(r: CleanupTargetResult, verbose: boolean): string[] {
  const pruned = r.pruned.length === 0 ? [] : [`${r.dryRun ? 'would give up' : 'gave up'} the uninstall backups of ${r.pruned.length} service pack(s): ${r.pruned.join(', ')}`];
  if (r.dryRun) {
    return [
      ...pruned,
      r.removed.length === 0 ? `${r.target}: nothing to clean up (dry run)` : `would clean up ${r.removed.length} set-aside file(s) (${humanBytes(r.bytesFreed)}) (dry run: nothing was removed)${listHint(verbose, r.removed.length)}`,
      ...(verbose ? r.removed.map((p) => `  ${p}`) : []),
      ...r.held.flatMap((h) => [`would keep ${h.path}: still held by`, ...h.holders.map((x) => holderLine(x))]),
    ];
  }
  const lines = [...pruned, ...cleanupLines(r), ...(verbose ? r.removed.map((p) => `  removed ${p}`) : [])];
  return lines.length > 0 ? lines : [`${r.target}: nothing to clean up`];
}

export function renderStatus(s: StatusResult): string[] {
  const recent = s.log.slice(-5);
  const lines = [
    s.managed ? `${s.target}: ${s.product} version ${s.version}` : `${s.target}: not managed by servicepack (no service pack installed)`,
    ...s.history.map((h) => `  service pack ${h.fromVersion} -> ${h.toVersion} installed ${h.installedAt} (pack ${h.packId.slice(0, 16)}, transaction ${h.txid})${h.pruned === true ? '; backup given up: cannot be uninstalled' : ''}`),
    ...(s.managed ? [`uninstall backups: ${humanBytes(s.backupBytes)} for ${s.history.filter((h) => h.pruned !== true).length} service pack(s) (servicepack cleanup --prune N keeps the newest N)`] : []),
    ...(recent.length === 0 ? [] : [`last ${recent.length} of ${s.log.length} event(s) (servicepack history --target ${s.target} lists all):`, ...recent.map((e) => `  ${historyLine(e)}`)]),
  ];
  if (s.pending !== null) lines.push(`pending: an interrupted ${s.pending.kind} (${s.pending.txid}); run servicepack recover --target ${s.target}`);
  if (s.trial !== null) {
    lines.push(s.trial.running
      ? `on trial: ${s.trial.version} (${s.trial.txid}) runs its health checks (passing for ${secs(s.trial.windowMs)} within ${secs(s.trial.deadlineMs)}): ${s.trial.checks.join(', ')}`
      : `on trial, abandoned: ${s.trial.version} (${s.trial.txid}) was never confirmed by its health checks and no process runs them; the next command on the target (servicepack recover --target ${s.target}) rolls it back`);
  }
  if (s.lockedBy !== null) lines.push(`lock file names process ${s.lockedBy}`);
  lines.push(...backupWriteLines(s.backupWrites));
  lines.push(...s.waitingForReboot.map((p) => `waits for a reboot to be deleted: ${p}`));
  return lines;
}

export function renderVerify(v: VerifyResult): string[] {
  const head = `${v.target}: ${v.product} ${v.version}, ${v.checked} paths checked: ${v.ok ? 'all as installed' : `${v.modified.length} modified, ${v.missing.length} missing, ${v.unexpected.length} unexpected${v.attributes.length === 0 ? '' : `, ${v.attributes.length} mode or owner differences`}`}`;
  return [
    head,
    ...v.modified.map((m) => `  modified   ${m.path} (expected ${m.expected}, actual ${m.actual})`),
    ...v.attributes.map((a) => `  ${a.kind.padEnd(10)} ${a.path} (expected ${a.expected}, actual ${a.actual})`),
    ...v.missing.map((p) => `  missing    ${p}`),
    ...v.unexpected.map((p) => `  unexpected ${p}`),
  ];
}

export function renderRecover(r: RecoverResult): string[] {
  const o = r.result;
  const t = o.trial;
  return [
    o.outcome === 'nothing-to-do' ? `${r.target}: no interrupted transaction` : `${r.target}: interrupted ${o.kind} ${o.txid} ${o.outcome}`,
    ...(t === undefined ? [] : [`${r.target}: the install ${t.txid} was on trial and never confirmed: rolled back to version ${t.version} (transaction ${t.rollBackTxid}); its checks now:`, ...afterRollBackLines(t.afterRollBack)]),
  ];
}

/** ', stored N as a delta (exediff), 3.97%' — how a file travels, and the stored size as a share of the file. */
function stored(e: PackSummaryEntry): string {
  if (e.storedSize === undefined) return '';
  const ratio = e.ratio === undefined ? '' : `, ${(e.ratio * 100).toFixed(2)}%`;
  return `, stored ${e.storedSize}${e.delta === true ? ' as a delta' : ''} (${e.encoding ?? '?'})${ratio}`;
}

/** One event of the history log on one line. */
export function historyLine(e: HistoryEvent): string {
  const tx = e.txid === undefined ? '' : ` (transaction ${e.txid})`;
  const what = e.event === 'prune'
    ? `gave up the uninstall backups of ${(e.pruned ?? []).length} service pack(s)${e.bytesFreed === undefined ? '' : `, ${humanBytes(e.bytesFreed)}`}: ${(e.pruned ?? []).join(', ')}`
    : e.event === 'recover'
      ? `${e.outcome} an interrupted ${e.kind ?? 'transaction'}${tx}`
      : `${e.product} ${e.fromVersion} -> ${e.toVersion} ${e.outcome}${tx}${e.restartNeeded === true ? '; restart needed' : ''}`;
  return `${e.time} ${e.event.padEnd(9)} ${what}`;
}

export function renderHistory(r: HistoryResult): string[] {
  if (r.events.length === 0) return [`${r.target}: no events in the history log`];
  return r.events.flatMap((e) => [
    historyLine(e),
    ...(e.hooks ?? []).flatMap((h) => [`  ${h.phase} hook ${JSON.stringify(h.argv)}: ${h.ok ? 'ok' : `FAILED (${h.error ?? (h.signal ?? `exit ${h.exitCode}`)})`}`, ...(h.ok ? [] : hookOutputLines(h.output ?? '').map((l) => `  ${l}`))]),
  ]);
}
