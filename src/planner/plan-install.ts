// PURE: preflight of an install. Compares what the pack expects with what the target holds and returns
// either the transitions to perform or every mismatch, each with its expected and actual node.
import type { Mismatch } from '../errors/index.js';
import type { FileNode, Manifest, TreeNode } from '../format/manifest.js';
import type { ActualNode, Inventory } from '../inventory/inventory.js';
import { commonMode, installedMode, replacedMode } from './installed-mode.js';
import { describeNode, nodeMatches, type Transition } from './transition.js';

export interface InstallPreflight {
  transitions: Transition[];
  mismatches: Mismatch[];
  /** Directories the pack removes but that still hold files unknown to it: they are kept. */
  keptDirectories: string[];
}

/**
 * The paths an install must inspect: every add/change/remove entry and each of their ancestors, and
 * each unchanged file that an added or changed file becomes a hard link to.
 */
export function pathsToInspect(manifest: Manifest): { path: string; listChildren: boolean }[] {
  const out = new Map<string, boolean>();
  for (const e of manifest.entries) {
    if (e.action === 'keep') continue;
    // A directory that goes away must hold nothing the pack does not remove; one that stays a directory
    // keeps its children (a format-3 pack does not list the unchanged ones).
    out.set(e.path, e.old?.type === 'dir' && e.new?.type !== 'dir');
    // Every path in `out` has its ancestors in it already: stop at the first one found.
    for (let p = parentOf(e.path); p !== '' && !out.has(p); p = parentOf(p)) out.set(p, false);
    if (e.new?.type === 'file' && e.new.hardlink !== undefined && !out.has(e.new.hardlink)) out.set(e.new.hardlink, false);
  }
  return [...out].map(([path, listChildren]) => ({ path, listChildren }));
}

export function planInstall(manifest: Manifest, inventory: Inventory): InstallPreflight {
  const transitions: Transition[] = [];
  const mismatches: Mismatch[] = [];
  const keptDirectories: string[] = [];
  const known = new Set(manifest.entries.filter((e) => e.action !== 'add').map((e) => e.path));
  const mismatch = (path: string, expected: TreeNode | null | undefined, actual: TreeNode | null) =>
    mismatches.push({ path, expected: describeNode(expected), actual: describeNode(actual) });

  for (const e of manifest.entries) {
    const actual = inventory.get(e.path);
    if (actual === undefined) continue; // an untouched keep entry
    switch (e.action) {
      case 'keep':
        // An ancestor of a touched path (a real directory, never a symlink to elsewhere), or the file a
        // new hard link will share.
        if (!nodeMatches(actual.node, e.new)) mismatch(e.path, e.new, actual.node);
        break;
      case 'add':
        if (actual.node === null) transitions.push({ path: e.path, from: null, to: e.new! });
        else if (!nodeMatches(actual.node, e.new)) mismatch(e.path, null, actual.node);
        // Already there with the same content: replace it anyway, so uninstall puts it back.
        else if (actual.node.type !== 'dir') transitions.push(replacing(e.path, actual, e.new!));
        break;
      case 'change':
      case 'remove': {
        if (!nodeMatches(actual.node, e.old)) {
          mismatch(e.path, e.old, actual.node);
          break;
        }
        const unknown = (actual.children ?? []).filter((c) => !known.has(`${e.path}/${c}`));
        if (unknown.length > 0) {
          if (e.action === 'change') mismatches.push({ path: e.path, expected: 'directory', actual: `directory with ${unknown.length} unknown entries` });
          else keptDirectories.push(e.path);
          break;
        }
        transitions.push(e.action === 'change' ? replacing(e.path, actual, e.new!) : { path: e.path, from: actual.node, to: null });
        break;
      }
    }
  }
  // A directory kept because of unknown files keeps its removed ancestors too.
  const aboveKept = new Set<string>();
  for (const k of keptDirectories) for (let p = parentOf(k); p !== '' && !aboveKept.has(p); p = parentOf(p)) aboveKept.add(p);
  const result: Transition[] = [];
  for (const t of transitions) {
    if (t.to === null && aboveKept.has(t.path)) keptDirectories.push(t.path);
    else result.push(t);
  }
  shareLinkedModes(result, inventory);
  return { transitions: result, mismatches, keptDirectories: keptDirectories.sort() };
}

/** The transition replacing `actual` by the release's `release`: the installed mode, and a replaced file's owner. */
function replacing(path: string, actual: ActualNode, release: TreeNode): Transition {
  const from = actual.node;
  const to: TreeNode = release.type === 'symlink' ? release : { ...release, mode: installedMode(release.type, release.mode, replacedMode(release, from)) };
  const t: Transition = { path, from, to };
  if (to.type === 'file' && from?.type === 'file' && actual.owner !== undefined) t.owner = { ...actual.owner };
  return t;
}

/**
 * Names of one inode share one mode and owner: the mode every name's own rule allows, the owner of the
 * first name that replaces a file. A name linked to a file the pack leaves alone takes that file as it is.
 */
function shareLinkedModes(transitions: Transition[], inventory: Inventory): void {
  const groups = new Map<string, Transition[]>();
  for (const t of transitions) {
    if (t.to?.type !== 'file') continue;
    const key = t.to.hardlink ?? t.path;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  for (const [leader, members] of groups) {
    if (members.length === 1 && members[0]!.path === leader) continue;
    const untouched = members[0]!.path !== leader ? inventory.get(leader) : undefined;
    const mode = untouched?.node?.type === 'file' ? untouched.node.mode : commonMode(members.map((t) => (t.to as FileNode).mode));
    const owner = untouched !== undefined ? untouched.owner : members.find((t) => t.owner !== undefined)?.owner;
    for (const t of members) {
      (t.to as FileNode).mode = mode;
      if (owner === undefined) delete t.owner;
      else t.owner = { ...owner };
    }
  }
}

export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}
