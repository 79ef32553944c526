// Text rendering of each command's result object (the --json form is the object itself).
import type {
  BuildResult, InstallPlan, InstallResult, PackSummary, PlannedAction, RecoverResult, StatusResult, UninstallResult, VerifyResult,
} from '../index.js';

const mib = (n: number) => `${(n / 1048576).toFixed(2)} MiB`;

export function renderBuild(r: BuildResult): string[] {
  const c = r.counts;
  return [
    `built ${r.out} (${r.size} bytes, ${r.blobs} blobs): ${c.change} changed, ${c.add} added, ${c.remove} removed, ${c.keep} unchanged`, `pack id ${r.packId}`,
    r.keyId === undefined ? 'UNSIGNED: installs refuse it unless given --allow-unsigned' : `signed with key ${r.keyId}${r.expires === undefined ? '' : `, expires ${r.expires}`}`,
  ];
}

export function renderInspect(s: PackSummary): string[] {
  const c = s.counts;
  return [
    `${s.product} ${s.fromVersion} -> ${s.toVersion} (format ${s.formatVersion}, ${s.signed ? 'signed' : 'unsigned'}, ${s.size} bytes)`,
    `pack id ${s.packId}`,
    `${c.change} changed, ${c.add} added, ${c.remove} removed, ${c.keep} unchanged`,
    ...s.entries.filter((e) => e.action !== 'keep').map((e) => `  ${e.action.padEnd(6)} ${e.type.padEnd(7)} ${e.path}${e.size !== undefined ? ` (${e.size} bytes${e.storedSize !== undefined ? `, stored ${e.storedSize}` : ''})` : ''}`),
  ];
}

function actionLines(actions: PlannedAction[]): string[] {
  return actions.map((a) => `  ${a.action.padEnd(6)} ${a.type.padEnd(7)} ${a.path}${a.bytes > 0 ? ` (${a.bytes} bytes)` : ''}`);
}

export function renderPlan(p: InstallPlan): string[] {
  return [
    `plan: ${p.product} ${p.fromVersion} -> ${p.toVersion} into ${p.target} (dry run: nothing was changed)`,
    ...actionLines(p.actions),
    ...p.keptDirectories.map((d) => `  keep   dir     ${d} (holds files the pack does not know)`),
    `bytes to write ${p.bytesToWrite} (${mib(p.bytesToWrite)}), free ${p.freeBytes} (${mib(p.freeBytes)}): ${p.fits ? 'fits' : 'DOES NOT FIT'}`,
  ];
}

export function renderInstall(r: InstallResult): string[] {
  return [
    `installed ${r.product} ${r.fromVersion} -> ${r.toVersion} into ${r.target} (transaction ${r.txid})`,
    ...actionLines(r.actions),
    `${r.bytesWritten} bytes written; ${r.setAside.length} previous file(s) set aside for uninstall`,
  ];
}

export function renderUninstall(r: UninstallResult): string[] {
  return [`uninstalled ${r.removed.toVersion} from ${r.target}: ${r.product} is at version ${r.version} again (transaction ${r.txid})`, ...actionLines(r.actions)];
}

export function renderStatus(s: StatusResult): string[] {
  const lines = [
    s.managed ? `${s.target}: ${s.product} version ${s.version}` : `${s.target}: not managed by servicepack (no service pack installed)`,
    ...s.history.map((h) => `  service pack ${h.fromVersion} -> ${h.toVersion} installed ${h.installedAt} (pack ${h.packId.slice(0, 16)}, transaction ${h.txid})`),
  ];
  if (s.pending !== null) lines.push(`pending: an interrupted ${s.pending.kind} (${s.pending.txid}); run servicepack recover --target ${s.target}`);
  if (s.lockedBy !== null) lines.push(`lock file names process ${s.lockedBy}`);
  return lines;
}

export function renderVerify(v: VerifyResult): string[] {
  const head = `${v.target}: ${v.product} ${v.version}, ${v.checked} paths checked: ${v.ok ? 'all as installed' : `${v.modified.length} modified, ${v.missing.length} missing, ${v.unexpected.length} unexpected`}`;
  return [
    head,
    ...v.modified.map((m) => `  modified   ${m.path} (expected ${m.expected}, actual ${m.actual})`),
    ...v.missing.map((p) => `  missing    ${p}`),
    ...v.unexpected.map((p) => `  unexpected ${p}`),
  ];
}

export function renderRecover(r: RecoverResult): string[] {
  const o = r.result;
  return [o.outcome === 'nothing-to-do' ? `${r.target}: no interrupted transaction` : `${r.target}: interrupted ${o.kind} ${o.txid} ${o.outcome}`];
}
