// The seed scenario (KB Q320097) on Windows, narrated: Exchsrvr\BIN with the four perf DLLs loaded by
// perfhost.exe. A naive setup's copy is refused with a sharing violation — the article's own symptom;
// servicepack installs SP4 by renaming the loaded DLLs aside (the article's resolution, done in one
// transaction) while the host keeps calling its 5.5 code, then uninstalls back to 5.5 bit for bit.
// Windows has no compiler to count on, so the PE files come prebuilt (`peDir`: scripts/setup-windows.sh
// builds them with mingw-w64 into .cache/windows/pe/).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildPack } from '../build/index.js';
import { ServicePackError } from '../errors/index.js';
import { STATE_DIR_NAME } from '../format/paths.js';
import { walkTree } from '../inventory/walk-tree.js';
import type { Platform } from '../platform/index.js';
import { writeKeyPair } from '../signing/index.js';
import { cleanupTarget } from '../operations/cleanup-target.js';
import { installPack } from '../operations/install.js';
import { contextFor } from '../records/tx-context.js';
import { uninstallLatest } from '../operations/uninstall.js';
import { perfLibraryNames } from './compile.js';
import { naiveCopyOver } from './naive-copy.js';

export interface WindowsDemoResult {
  workDir: string;
  naive: { outcomes: { path: string; outcome: string }[] };
  install: { exitCode: 0 | 3; hostPid: number; hostSays: string; version: string; setAside: string[]; staleProcesses: { pid: number; kind: string; path: string }[] };
  uninstall: { version: string; restored: boolean; hostSays: string };
  cleanup: { removed: string[]; held: string[] };
}

const BIN = 'Exchsrvr/BIN';
const dllPaths = perfLibraryNames.map((n) => `${BIN}/${n}`);
const RELEASES = ['5.5', 'SP4'] as const;

export async function runWindowsDemo(platform: Platform, peDir: string | undefined, say: (line: string) => void, keep: boolean): Promise<WindowsDemoResult> {
  const pe = requirePeFiles(peDir);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'servicepack-demo-'));
  const hosts: PerfHost[] = [];
  try {
    say('KB Q320097: "Installation of Service Pack 4 Stops with Files in Use Error"');
    say(`Scenario directory: ${work}`);
    const [rel55, relSp4] = RELEASES.map((r) => writeRelease(path.join(work, `release-${r}`), pe, r)) as [string, string];
    const vendor = writeKeyPair(path.join(work, 'vendor'), platform);
    const pack = path.join(work, 'exchange-5.5-sp4.svp');
    const built = await buildPack({ oldDir: rel55, newDir: relSp4, out: pack, product: 'exchange', fromVersion: '5.5', toVersion: 'SP4', signWith: vendor.secretKeyFile });
    say(`Built ${path.basename(pack)}: ${built.counts.change} changed, ${built.counts.add} added, ${built.counts.remove} removed, ${built.size} bytes, signed with key ${vendor.keyId}.`);

    say('');
    say('-- Act 1: a naive setup copies SP4 over a running Exchange 5.5 --');
    const naiveTarget = copyTree(rel55, path.join(work, 'server-naive'));
    const naiveHost = await startPerfHost(naiveTarget, work, hosts);
    say(`Hidden perf host running: pid ${naiveHost.pid}, ${BIN}/perfhost.exe with the four perf DLLs loaded; it says "${await naiveHost.next()}".`);
    const outcomes = naiveCopyOver(relSp4, naiveTarget, dllPaths);
    for (const o of outcomes) say(`  copy ${o.path}: ${o.outcome === 'copied' ? 'overwritten in place' : `refused (${o.outcome}: sharing violation, the file is in use)`}`);
    say('  Setup stops: "the following files are in use: Mdbperf.dll, Msefperf.dll, Mtaperf.dll, Perfdsa.dll".');
    await naiveHost.stop();

    say('');
    say('-- Act 2: servicepack install onto the running Exchange 5.5 --');
    const target = copyTree(rel55, path.join(work, 'server'));
    const host = await startPerfHost(target, work, hosts);
    say(`  perfhost.exe runs again: pid ${host.pid}.`);
    const ctx = contextFor(target, platform);
    const result = installPack(ctx, pack, { trustedKeys: [vendor.publicKeyFile] });
    say(`  Installed ${result.fromVersion} -> ${result.toVersion} in one transaction (${result.actions.length} paths): each loaded DLL was renamed aside into .servicepack\\backup\\, the new one renamed in.`);
    const afterInstall = await host.next();
    say(`  pid ${host.pid} keeps running on the code it loaded: "${afterInstall}".`);
    const exitCode: 0 | 3 = result.restartNeeded ? 3 : 0;
    const staleProcesses = result.staleProcesses.map((p) => ({ pid: p.pid, kind: p.kind, path: p.path }));
    say(`  Exit code ${exitCode}${exitCode === 3 ? ': restart needed' : ''}; the set-aside DLLs stay in the backup for uninstall.`);
    for (const pid of new Set(staleProcesses.map((p) => p.pid))) {
      const held = staleProcesses.filter((p) => p.pid === pid).map((p) => `${path.basename(p.path)} (${p.kind})`);
      say(`  pid ${pid} still runs the old ${held.join(', ')}.`);
    }

    say('');
    say('-- Act 3: servicepack uninstall while the host still runs --');
    const undone = uninstallLatest(ctx);
    const restored = treesEqual(rel55, target);
    const afterUninstall = await host.next();
    say(`  Uninstalled ${undone.removed.toVersion}: version ${undone.version} again, ${restored ? 'bit-identical to the 5.5 release' : 'DIFFERENT from the 5.5 release'}; the host says "${afterUninstall}".`);

    say('');
    say('-- Act 4: the host exits; servicepack cleanup --');
    await host.stop();
    const cleaned = cleanupTarget(ctx);
    const left = fs.readdirSync(path.join(target, STATE_DIR_NAME, 'backup'));
    say(`  Removed ${cleaned.removed.length} more set-aside file(s), ${cleaned.held.length} still held; ${left.length === 0 ? 'no backup is left' : `backups left: ${left.join(', ')}`}.`);
    return {
      workDir: work,
      naive: { outcomes },
      install: { exitCode, hostPid: host.pid, hostSays: afterInstall, version: result.toVersion, setAside: result.setAside, staleProcesses },
      uninstall: { version: undone.version, restored, hostSays: afterUninstall },
      cleanup: { removed: cleaned.removed, held: cleaned.held.map((h) => h.path) },
    };
  } finally {
    for (const h of hosts) await h.stop();
    if (!keep) fs.rmSync(work, { recursive: true, force: true });
  }
}

function requirePeFiles(peDir: string | undefined): string {
  const missing = RELEASES.flatMap((r) => [...perfLibraryNames, 'perfhost.exe'].map((f) => path.join(peDir ?? '', r, f))).filter((f) => !fs.existsSync(f));
  if (peDir !== undefined && missing.length === 0) return peDir;
  const reason = peDir === undefined ? 'no --pe-dir was given' : `missing ${missing[0]}`;
  throw new ServicePackError('DEMO_FAILED', `The Windows demo needs the prebuilt PE files: ${reason}.`, {
    hint: 'Run scripts/setup-windows.sh on a Linux machine (it builds them with mingw-w64 into .cache/windows/pe/), copy that directory here, and pass it with --pe-dir.',
    details: { step: 'pe-files', reason },
  });
}

/** One release: the four DLLs and perfhost.exe of `release`, plus files SP4 keeps, changes, adds and removes. */
function writeRelease(root: string, pe: string, release: (typeof RELEASES)[number]): string {
  const bin = path.join(root, BIN);
  fs.mkdirSync(bin, { recursive: true });
  for (const f of [...perfLibraryNames, 'perfhost.exe']) fs.copyFileSync(path.join(pe, release, f), path.join(bin, f));
  fs.writeFileSync(path.join(root, 'Exchsrvr/README.txt'), release === '5.5' ? 'Microsoft Exchange Server 5.5 (build 1960)\n' : 'Microsoft Exchange Server 5.5 Service Pack 4 (build 2653)\n');
  fs.writeFileSync(path.join(bin, 'store.cfg'), '[store]\ncircular_logging=1\nmax_cached_views=64\n');
  if (release === '5.5') fs.writeFileSync(path.join(bin, 'legacy.dll'), 'legacy MAPI shim, removed by SP4\n');
  else fs.writeFileSync(path.join(bin, 'mapi32.dll'), 'MAPI 1.0 provider, added by SP4\n');
  return root;
}

interface PerfHost {
  pid: number;
  /** The next line it prints: what its four DLLs answer. */
  next(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts BIN\perfhost.exe of `target` (it loads the DLLs beside it) and waits for its "ready" line. */
async function startPerfHost(target: string, work: string, hosts: PerfHost[]): Promise<PerfHost> {
  const stopFile = path.join(work, `stop-${hosts.length}`);
  const child: ChildProcess = spawn(path.join(target, BIN, 'perfhost.exe'), [stopFile], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let buffer = '';
  let waiting: ((line: string) => void) | undefined;
  let exited = false;
  const done = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const ready = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    void done.then(() => reject(new ServicePackError('DEMO_FAILED', 'perfhost.exe exited before it was ready', { hint: 'Check that the PE files in --pe-dir are intact.', details: { step: 'start-holder', reason: 'exited early' } })));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk.replaceAll('\r', '');
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('ready ')) resolve(Number(line.slice(6)));
        else if (waiting !== undefined) {
          const w = waiting;
          waiting = undefined;
          w(line);
        }
      }
    });
  });
  const host: PerfHost = {
    pid: await ready,
    next: () => new Promise((resolve) => (waiting = resolve)),
    stop: async () => {
      if (!exited) fs.writeFileSync(stopFile, 'stop\n');
      await done;
    },
  };
  hosts.push(host);
  return host;
}

function copyTree(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true });
  return to;
}

/** Compares two trees path by path (type and content), ignoring .servicepack and the exec bit NTFS lacks. */
function treesEqual(a: string, b: string): boolean {
  const list = (d: string): string => JSON.stringify([...walkTree(d, { exclude: [STATE_DIR_NAME] })].map(([p, n]) => [p, n.type === 'file' ? { ...n, executable: false } : n]));
  return list(a) === list(b);
}
