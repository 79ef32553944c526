// The operations the matrices crash, each as a template target (the state before the operation) and
// the two trees recovery may end in. Adding an operation is one entry here and one line in runner.ts.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { install, status } from '../../src/index.js';
import { packFrom } from '../helpers/packs.js';
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
}

const tree = (dir: string): string[] => describeTree(dir, { exclude: ['.servicepack'] });

function copy(from: string): string {
  const to = join(tempDir('crash-template'), 'target');
  cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  return to;
}

/** install 1.0 -> 2.0 onto an unmanaged target, and uninstall 2.0 -> 1.0. */
export function makeScenarios(modules?: number): Scenario[] {
  const { oldSpec, newSpec } = releasePair(modules);
  const { oldDir, newDir, pack } = packFrom(oldSpec, newSpec);
  const base = tree(oldDir);
  const installed = copy(oldDir);
  install(pack, { target: installed });
  return [
    { op: 'install', args: [pack], template: copy(oldDir), before: base, after: tree(newDir), versionBefore: null, versionAfter: '2.0', base },
    {
      op: 'uninstall', args: [], template: installed, before: tree(installed), after: base,
      versionBefore: status({ target: installed }).version, versionAfter: '1.0', base,
    },
  ];
}
