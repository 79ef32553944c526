// The operations the matrices crash, each as a template target (the state before the operation) and
// the two trees recovery may end in. Adding an operation is one entry here and one line in runner.ts.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { installSync as install, statusSync as status, uninstallSync as uninstall } from '../../src/index.js';
import { packFrom, testKey, trusted } from '../helpers/packs.js';
import { describeTree, tempDir } from '../helpers/tree.js';
import { releasePair } from './fixture.js';

export interface Scenario {
  /** The runner's operation name. */
  op: string;
  /** Arguments after the target. */
  args: string[];
  /** The target before the operation (copied for every crash point). */
  template: string;
  before: string[];
  after: string[];
  versionBefore: string | null;
  versionAfter: string | null;
  /** The tree of version 1.0: uninstalling 2.0 must always give back exactly this. */
  base: string[];
  /** The pinned keys (`trust/<KEYID>.pub` under .servicepack/) with the old tree and with the new one. */
  pinsBefore: string[];
  pinsAfter: string[];
  /**
   * For an install on trial: the call that confirms it (the trial record's removal). A kill before it
   * must end in the old tree (the trial was never confirmed), after it in the new one.
   */
  confirmCall?: RegExp;
  /** Every kill must end in the old tree (an install whose trial fails and rolls back). */
  alwaysOld?: boolean;
}

const tree = (dir: string): string[] => describeTree(dir, { exclude: ['.servicepack'] });

function copy(from: string): string {
  const to = join(tempDir('crash-template'), 'target');
  cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  return to;
}

/** A copy of an installed target whose backup is duplicated under a transaction id no pack refers to. */
function withOrphanBackup(installed: string): string {
  const to = copy(installed);
  const backup = join(to, '.servicepack', 'backup');
  const [txid] = readdirSync(backup);
  cpSync(join(backup, txid!), join(backup, '20000101T000000Z-0rphan00'), { recursive: true, verbatimSymlinks: true });
  return to;
}

/** A copy of an installed target after uninstalling: managed at 1.0, its key pinned. */
function uninstalled(installed: string): string {
  const to = copy(installed);
  uninstall({ target: to });
  return to;
}

/**
 * install 1.0 -> 2.0 onto an unmanaged target, uninstall 2.0 -> 1.0, and cleanup of 2.0 with a backup no
 * installed pack refers to (the target tree must not change at all); install 1.0 -> 2.0 with a health
 * trial that passes (install-trial) and one that fails and rolls back (install-trial-fail), onto a
 * target managed at 1.0 (a rolled-back trial leaves it managed, as uninstall does).
 */
export async function makeScenarios(modules?: number): Promise<Scenario[]> {
  const { oldSpec, newSpec } = releasePair(modules);
  const { oldDir, newDir, pack } = await packFrom(oldSpec, newSpec);
  const base = tree(oldDir);
  const installed = copy(oldDir);
  install(pack, { target: installed, ...trusted });
  // The install onto the unmanaged target pins the key that verified it, exactly when it commits.
  const pins = readdirSync(join(installed, '.servicepack', 'trust')).filter((n) => n.endsWith('.pub')).map((n) => `trust/${n}`);
  return [
    { op: 'install', args: [pack, testKey.pub], template: copy(oldDir), before: base, after: tree(newDir), versionBefore: null, versionAfter: '2.0', base, pinsBefore: [], pinsAfter: pins },
    {
      op: 'uninstall', args: [], template: installed, before: tree(installed), after: base,
      versionBefore: status({ target: installed }).version, versionAfter: '1.0', base, pinsBefore: pins, pinsAfter: pins,
    },
    { op: 'cleanup', args: [], template: withOrphanBackup(installed), before: tree(installed), after: tree(installed), versionBefore: '2.0', versionAfter: '2.0', base, pinsBefore: pins, pinsAfter: pins },
    {
      op: 'install-trial', args: [pack, testKey.pub], template: uninstalled(installed), before: base, after: tree(newDir), versionBefore: '1.0', versionAfter: '2.0',
      base, pinsBefore: pins, pinsAfter: pins, confirmCall: /^unlink\("TARGET\/\.servicepack\/trial\.json"\)$/,
    },
    {
      op: 'install-trial-fail', args: [pack, testKey.pub], template: uninstalled(installed), before: base, after: tree(newDir), versionBefore: '1.0', versionAfter: '2.0',
      base, pinsBefore: pins, pinsAfter: pins, alwaysOld: true,
    },
  ];
}
