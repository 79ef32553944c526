// Text rendering of each command's result object (the --json form is the object itself).
import type {
  AfterCommit, BuildResult, CleanupResult, CleanupTargetResult, Holder, HoldersResult, InstallPlan, InstallResult, PackSummary, PackSummaryEntry, PlannedAction,
  RecoverResult, StatusResult, UninstallResult, Uninspectable, VerifyResult,
} from '../index.js';

const mib = (n: number) => `${(n / 1048576).toFixed(2)} MiB`;

export function renderBuild(r: BuildResult): string[] {
  const c = r.counts;
  return [
    `built ${r.out} (${r.size} bytes, ${r.blobs} blobs, ${r.deltas} of them deltas): ${c.change} changed, ${c.add} added, ${c.remove} removed, ${c.keep} unchanged`, `pack id ${r.packId}`,
    r.keyId === undefined ? 'UNSIGNED: installs refuse it unless given --allow-unsigned' : `signed with key ${r.keyId}${r.expires === undefined ? '' : `, expires ${r.expires}`}`,
    ...r.specialBitsDropped.map((p) => `warning: ${p}: setuid, setgid or sticky bit not recorded (build with --keep-special-bits to keep it)`),
  ];
}

export function renderInspect(s: PackSummary): string[] {
  const c = s.counts;
  return [
    `${s.product} ${s.fromVersion} -> ${s.toVersion} (format ${s.formatVersion}, ${s.signed ? `signed by key ${s.keyId}` : 'unsigned'}, ${s.size} bytes)`,
    `pack id ${s.packId}`,
    `${c.change} changed, ${c.add} added, ${c.remove} removed, ${c.keep} unchanged`,
    ...s.entries.filter((e) => e.action !== 'keep').map((e) => `  ${e.action.padEnd(6)} ${e.type.padEnd(7)} ${e.path}${e.size !== undefined ? ` (${e.size} bytes${stored(e)})` : ''}`),
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
  return [`${u.length} process(es) could not be inspected (permission denied; run as root to see them): ${shown}${u.length > 10 ? ', ...' : ''}`];
}

export function renderPlan(p: InstallPlan): string[] {
  const others = p.holders.filter((h) => !p.actions.some((a) => a.path === h.path));
  return [
    `plan: ${p.product} ${p.fromVersion} -> ${p.toVersion} into ${p.target} (dry run: nothing was changed)`,
    ...p.actions.flatMap((a) => [...actionLines([a]), ...a.holders.map((h) => holderLine(h))]),
    ...p.keptDirectories.map((d) => `  keep   dir     ${d} (holds files the pack does not know)`),
    ...(others.length > 0 ? ['processes running from the target:', ...others.map((h) => `  ${h.path}\n${holderLine(h)}`)] : []),
    ...(p.hooks.pre ? [`pre hook:  ${JSON.stringify(p.hooks.pre)}`] : []),
    ...(p.hooks.post ? [`post hook: ${JSON.stringify(p.hooks.post)}`] : []),
    `bytes to write ${p.bytesToWrite} (${mib(p.bytesToWrite)}), free ${p.freeBytes} (${mib(p.freeBytes)}): ${p.fits ? 'fits' : 'DOES NOT FIT'}`,
    p.restartNeeded ? `restart needed: ${new Set(p.holders.map((h) => h.pid)).size} process(es) will still run the old version after the install` : 'no restart needed: no process holds what the pack changes',
    ...uninspectableLines(p.uninspectable),
  ];
}

function afterCommitLines(r: AfterCommit): string[] {
  const lines: string[] = [];
  for (const h of r.hooks) lines.push(`${h.phase} hook ${JSON.stringify(h.argv)}: ${h.ok ? 'ok' : `FAILED (${h.error ?? (h.signal ?? `exit ${h.exitCode}`)})`}`);
  if (r.unitRestarts !== undefined) {
    if (!r.unitRestarts.available) lines.push(`units not restarted: ${r.unitRestarts.reason}`);
    for (const u of r.unitRestarts.units) lines.push(`  unit ${u.unit}: ${u.outcome}${u.detail ? ` (${u.detail})` : ''}`);
  }
  if (r.restartNeeded) {
    lines.push(`RESTART NEEDED: ${new Set(r.staleProcesses.map((s) => s.pid)).size} process(es) still run the old version:`);
    for (const s of r.staleProcesses) lines.push(`  ${s.path} (${s.reason === 'set-aside' ? 'old version, set aside' : 'started before the commit'})`, holderLine(s));
  }
  lines.push(...uninspectableLines(r.uninspectable), ...cleanupLines(r.cleanup));
  return lines;
}

export function cleanupLines(c: CleanupResult): string[] {
  return [
    ...(c.removed.length > 0 ? [`cleaned up ${c.removed.length} set-aside file(s) (${c.bytesFreed} bytes)`] : []),
    ...c.held.flatMap((h) => [`kept ${h.path}: still held by`, ...h.holders.map((x) => holderLine(x))]),
    ...(c.atReboot.length > 0 ? [`scheduled ${c.atReboot.length} held file(s) for deletion at the next reboot`] : []),
    ...backupWriteLines(c.backupWrites),
  ];
}

function backupWriteLines(writes: StatusResult['backupWrites']): string[] {
  return writes.map((w) => `written after it was set aside: ${w.path} (a process kept writing to the old file; the writes went to ${w.backup})`);
}

export function renderInstall(r: InstallResult): string[] {
  return [
    `installed ${r.product} ${r.fromVersion} -> ${r.toVersion} into ${r.target} (transaction ${r.txid})`,
    ...actionLines(r.actions),
    `${r.bytesWritten} bytes written; ${r.setAside.length} previous file(s) set aside for uninstall`,
    ...afterCommitLines(r),
  ];
}

export function renderUninstall(r: UninstallResult): string[] {
  return [`uninstalled ${r.removed.toVersion} from ${r.target}: ${r.product} is at version ${r.version} again (transaction ${r.txid})`, ...actionLines(r.actions), ...afterCommitLines(r)];
}

export function renderHolders(r: HoldersResult): string[] {
  const byPath = new Map<string, Holder[]>();
  for (const h of r.holders) byPath.set(h.path, [...(byPath.get(h.path) ?? []), h]);
  return [
    `${r.target}: ${r.holders.length === 0 ? 'no process holds' : `${new Set(r.holders.map((h) => h.pid)).size} process(es) hold`} ${r.paths.length === 1 && r.paths[0] === '' ? 'anything in it' : r.paths.join(', ')} (${r.inspected} processes inspected)`,
    ...[...byPath.keys()].sort().flatMap((p) => [`  ${p === '' ? '.' : p}`, ...byPath.get(p)!.map((h) => holderLine(h, '    '))]),
    ...uninspectableLines(r.uninspectable),
  ];
}

export function renderCleanup(r: CleanupTargetResult): string[] {
  const lines = cleanupLines(r);
  return lines.length > 0 ? lines : [`${r.target}: nothing to clean up`];
}

export function renderStatus(s: StatusResult): string[] {
  const lines = [
    s.managed ? `${s.target}: ${s.product} version ${s.version}` : `${s.target}: not managed by servicepack (no service pack installed)`,
    ...s.history.map((h) => `  service pack ${h.fromVersion} -> ${h.toVersion} installed ${h.installedAt} (pack ${h.packId.slice(0, 16)}, transaction ${h.txid})`),
  ];
  if (s.pending !== null) lines.push(`pending: an interrupted ${s.pending.kind} (${s.pending.txid}); run servicepack recover --target ${s.target}`);
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
  return [o.outcome === 'nothing-to-do' ? `${r.target}: no interrupted transaction` : `${r.target}: interrupted ${o.kind} ${o.txid} ${o.outcome}`];
}

/** ', stored N as a delta (exediff), 3.97%' — how a file travels, and the stored size as a share of the file. */
function stored(e: PackSummaryEntry): string {
  if (e.storedSize === undefined) return '';
  const ratio = e.ratio === undefined ? '' : `, ${(e.ratio * 100).toFixed(2)}%`;
  return `, stored ${e.storedSize}${e.delta === true ? ' as a delta' : ''} (${e.encoding ?? '?'})${ratio}`;
}
