// The record kept beside an installed service pack's set-aside files (.servicepack/backup/<txid>/):
// exactly which transitions the install made and the state before it, so uninstall can reverse it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServicePackError, hasErrno } from '../errors/index.js';
import { writeFileAtomic, type Durability } from '../fs/durable.js';
import { statePathsProblem, targetPathProblem } from '../journal/record-paths.js';
import type { PackHooks } from '../format/manifest.js';
import type { Transition } from '../planner/transition.js';
import type { Layout } from './layout.js';
import { stateShapeProblem, type InstalledState } from './state-file.js';
import type { TreeNode } from '../format/manifest.js';
import type { Owner } from '../inventory/read-node.js';

export interface BackupRecord {
  /** 1: written before the tree record (no treeChanges; stateBefore holds the whole tree); 2: now. */
  recordVersion: 1 | 2;
  txid: string;
  packId: string;
  product: string;
  fromVersion: string;
  toVersion: string;
  transitions: Transition[];
  stateBefore: Omit<InstalledState, 'lastTransaction'>;
  /**
   * Version 2: what the install changed in the record of the whole tree (tree-record.ts): each path's
   * new node, or null for a path it removed; `ownerChanges` likewise for recorded owners.
   */
  treeChanges?: Record<string, TreeNode | null>;
  ownerChanges?: Record<string, Owner | null>;
  /** The pack's hooks, run again (with SERVICEPACK_KIND=uninstall) when the pack is uninstalled. */
  hooks?: PackHooks;
  /**
   * Each set-aside regular file's inode, size and modification time as the preflight read it (numbers
   * as decimal strings), by path: a later write to the set-aside file shows against them
   * (backup-writes.ts). Absent in records written before it existed.
   */
  setAside?: Record<string, SetAsideStamp>;
}

export interface SetAsideStamp {
  ino: string;
  size: string;
  mtimeNs: string;
}

export const recordPathOf = (layout: Layout, txid: string): string => path.join(layout.backup, txid, 'record.json');

export function writeBackupRecord(layout: Layout, record: BackupRecord, platform: Durability): void {
  writeFileAtomic(recordPathOf(layout, record.txid), `${JSON.stringify(record)}\n`, platform);
}

export function readBackupRecord(layout: Layout, txid: string): BackupRecord {
  const file = recordPathOf(layout, txid);
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<BackupRecord>;
    if ((r.recordVersion !== 1 && r.recordVersion !== 2) || r.txid !== txid || !Array.isArray(r.transitions) || typeof r.stateBefore !== 'object') {
      throw new Error('missing or mistyped fields');
    }
    const problem = recordPathsProblem(r as BackupRecord);
    if (problem !== undefined) throw new Error(problem);
    return r as BackupRecord;
  } catch (err) {
    const reason = hasErrno(err, 'ENOENT') ? 'record.json is missing' : (err as Error).message;
    throw new ServicePackError('BACKUP_DAMAGED', `the backup of service pack transaction ${txid} is unreadable: ${reason}`, {
      hint: 'The set-aside files needed to uninstall are gone or altered; reinstall the base version instead.',
      details: { target: layout.target, mismatches: [{ path: path.relative(layout.target, file), expected: 'backup record', actual: reason }] },
      cause: err,
    });
  }
}

/** The record's transition paths and the paths of the state it keeps, checked like the state file's. */
function recordPathsProblem(r: BackupRecord): string | undefined {
  for (const [n, t] of r.transitions.entries()) {
    const problem = targetPathProblem(`transitions[${n}].path`, (t as { path?: unknown } | null)?.path);
    if (problem !== undefined) return problem;
  }
  const before = r.stateBefore as Partial<BackupRecord['stateBefore']> | null;
  if (before === null) return 'stateBefore is missing or mistyped';
  const problem = stateShapeProblem({ stateVersion: 1, ...before });
  if (problem !== undefined) return `stateBefore: ${problem}`;
  if (r.recordVersion === 1) return undefined;
  if (typeof r.treeChanges !== 'object' || r.treeChanges === null || typeof r.ownerChanges !== 'object' || r.ownerChanges === null) return 'treeChanges or ownerChanges is missing or mistyped';
  return statePathsProblem(r.treeChanges, [], r.ownerChanges);
}
