// The seed scenario (KB Q320097), narrated: an Exchange 5.5 BIN directory whose four perf DLLs are
// loaded by a hidden host process. A naive setup is stopped (ETXTBSY) and crashes the host; servicepack
// names the hidden host, installs SP4 with it still running and says it runs old code (exit 3), then
// uninstalls back to 5.5 and cleans up the set-aside SP4 files once their last holder has exited.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildPack } from '../build/index.js';
import { hashFile } from '../format/hash.js';
import { STATE_DIR_NAME } from '../format/paths.js';
import { walkTree } from '../inventory/walk-tree.js';
import { selectPlatform } from '../platform/index.js';
import { contextFor } from '../records/tx-context.js';
import { cleanupTarget } from '../operations/cleanup-target.js';
import { installPack } from '../operations/install.js';
import { listHolders } from '../operations/list-holders.js';
import { targetStatus } from '../operations/status.js';
import { uninstallLatest } from '../operations/uninstall.js';
import { writeKeyPair } from '../signing/index.js';
import { perfLibraryNames } from './compile.js';
import { writeExchangeRelease } from './exchange-release.js';
import { startHolder, waitForExit, type HolderProcess } from './holder.js';
import { naiveCopyOver } from './naive-copy.js';

export interface DemoOptions {
  /** Receives the narration, one line at a time. */
  onLine?: (line: string) => void;
  /** Keep the scenario's directory instead of removing it (its path is in the result). */
  keep?: boolean;
}

export interface DemoResult {
  workDir: string;
  naive: { outcomes: { path: string; outcome: string }[]; holderSignal: string | null };
  /** Who held the four DLLs before the install ("pid kind path"). */
  holdersBefore: { pid: number; kind: string; path: string; command: string }[];
  install: { exitCode: 0 | 3; holderAlive: boolean; updated: string[]; setAside: string[]; version: string; staleProcesses: { pid: number; kind: string; path: string }[] };
  uninstall: { version: string; restored: boolean; holderAlive: boolean; exitCode: 0 | 3; held: string[] };
  /** The explicit clean-up once the last holder exited. */
  cleanup: { removed: string[]; held: string[] };
}

const BIN = 'Exchsrvr/BIN';
const dllPaths = perfLibraryNames.map((n) => `${BIN}/${n}`);

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const say = options.onLine ?? (() => {});
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'servicepack-demo-'));
  const holders: HolderProcess[] = [];
  try {
    say('KB Q320097: "Installation of Service Pack 4 Stops with Files in Use Error"');
    say(`Scenario directory: ${work}`);
    const rel55 = path.join(work, 'release-5.5');
    const relSp4 = path.join(work, 'release-SP4');
    writeExchangeRelease(rel55, '5.5');
    writeExchangeRelease(relSp4, 'SP4');
    const pack = path.join(work, 'exchange-5.5-sp4.svp');
    // The vendor's signing key; the installation trusts its public half.
    const vendor = writeKeyPair(path.join(work, 'vendor'), selectPlatform());
    const built = await buildPack({ oldDir: rel55, newDir: relSp4, out: pack, product: 'exchange', fromVersion: '5.5', toVersion: 'SP4', signWith: vendor.secretKeyFile });
    say(`Built ${path.basename(pack)}: ${built.counts.change} changed, ${built.counts.add} added, ${built.counts.remove} removed, ${built.size} bytes, signed with key ${vendor.keyId}.`);

    // Act 1: a naive setup copies over files in place.
    say('');
    say('-- Act 1: a naive setup copies SP4 over a running Exchange 5.5 --');
    const naiveTarget = copyTree(rel55, path.join(work, 'server-naive'));
    const naiveHost = await hold(naiveTarget, holders);
    say(`Hidden perf host running: pid ${naiveHost.pid}, ${path.join(BIN, 'perfhost')} with the four perf DLLs loaded as code.`);
    const outcomes = naiveCopyOver(relSp4, naiveTarget, [`${BIN}/perfhost`, ...dllPaths]);
    for (const o of outcomes) say(`  copy ${o.path}: ${o.outcome === 'copied' ? 'overwritten in place' : `refused (${o.outcome}: file in use)`}`);
    const crash = await waitForExit(naiveHost, 3000);
    const holderSignal = crash?.signal ?? null;
    say(holderSignal !== null
      ? `  The perf host crashed with ${holderSignal}: its loaded code was overwritten under it.`
      : '  The perf host survived this time, but now runs a mix of old and new code.');
    say('  Setup stopped: "files are in use" (ETXTBSY), and the installation is now half old, half new.');

    // Act 2: servicepack names the hidden holder, then installs SP4 onto the live installation.
    say('');
    say('-- Act 2: who holds the DLLs? Then servicepack install onto the running Exchange 5.5 --');
    const target = copyTree(rel55, path.join(work, 'server'));
    const host = await hold(target, holders);
    const ctx = contextFor(target, selectPlatform());
    const before = listHolders(ctx, dllPaths).holders;
    say(`  servicepack holders --target ${path.basename(target)} ${dllPaths.map((p) => path.basename(p)).join(' ')}`);
    for (const h of before) say(`    ${h.path}: pid ${h.pid} (${h.kind}) ${h.command.split(' ')[0]}`);
    const result = installPack(ctx, pack, { trustedKeys: [vendor.publicKeyFile] });
    const updated = dllPaths.filter((p) => hashFile(path.join(target, p)).sha256 === hashFile(path.join(relSp4, p)).sha256);
    say(`  Installed ${result.fromVersion} -> ${result.toVersion} in one transaction (${result.actions.length} paths, ${result.bytesWritten} bytes); ${updated.length} of 4 DLLs are now SP4.`);
    const alive = host.alive();
    const staleOf = (pid: number) => result.staleProcesses.filter((s) => s.pid === pid);
    say(`  pid ${host.pid} is ${alive ? 'still running, on the old code it had loaded' : 'GONE'}: ${staleOf(host.pid).map((s) => `${path.basename(s.path)} (${s.kind})`).join(', ')}.`);
    const exitCode: 0 | 3 = result.restartNeeded ? 3 : 0;
    say(`  Exit code ${exitCode}: ${exitCode === 3 ? 'restart needed — the old files stay set aside in .servicepack/backup/ while they run' : 'no restart needed'}.`);

    // Act 3: restart the host on SP4, then uninstall while it runs.
    say('');
    say('-- Act 3: restart the host on SP4, then servicepack uninstall while it runs --');
    await host.stop();
    const host2 = await hold(target, holders);
    say(`  Restarted: pid ${host2.pid} now maps the SP4 DLLs.`);
    const undone = uninstallLatest(ctx);
    const restored = treesEqual(rel55, target);
    say(`  Uninstalled ${undone.removed.toVersion}: the installation is version ${undone.version} again, ${restored ? 'bit-identical to the 5.5 release' : 'DIFFERENT from the 5.5 release'}.`);
    const held = undone.cleanup.held.map((h) => h.path);
    say(`  pid ${host2.pid} still runs SP4 (exit code ${undone.restartNeeded ? 3 : 0}); clean-up kept ${held.length} set-aside file(s) it holds${held.length > 0 ? `, e.g. ${held[0]}` : ''}.`);
    const stillAlive = host2.alive();

    // Act 4: once the holder exits, clean-up removes what it kept.
    say('');
    say('-- Act 4: the host exits; servicepack cleanup --');
    await host2.stop();
    const cleaned = cleanupTarget(ctx);
    say(`  Removed ${cleaned.removed.length} set-aside file(s) (${cleaned.bytesFreed} bytes); ${cleaned.held.length} still held.`);
    return {
      workDir: work,
      naive: { outcomes, holderSignal },
      holdersBefore: before.map((h) => ({ pid: h.pid, kind: h.kind, path: h.path, command: h.command })),
      install: {
        exitCode, holderAlive: alive, updated, setAside: result.setAside, version: result.toVersion,
        staleProcesses: result.staleProcesses.map((s) => ({ pid: s.pid, kind: s.kind, path: s.path })),
      },
      uninstall: { version: targetStatus(ctx).version ?? '', restored, holderAlive: stillAlive, exitCode: undone.restartNeeded ? 3 : 0, held },
      cleanup: { removed: cleaned.removed, held: cleaned.held.map((h) => h.path) },
    };
  } finally {
    for (const h of holders) await h.stop();
    if (options.keep !== true) fs.rmSync(work, { recursive: true, force: true });
  }
}

async function hold(target: string, holders: HolderProcess[]): Promise<HolderProcess> {
  const h = await startHolder(path.join(target, BIN, 'perfhost'), dllPaths.map((p) => path.join(target, p)));
  holders.push(h);
  return h;
}

function copyTree(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  return to;
}

/** Compares two trees path by path (type, content, exec bit, link target), ignoring .servicepack. */
function treesEqual(a: string, b: string): boolean {
  const opts = { exclude: [STATE_DIR_NAME] };
  return JSON.stringify([...walkTree(a, opts)]) === JSON.stringify([...walkTree(b, opts)]);
}

