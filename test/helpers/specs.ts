// Release trees shared by the integration tests. `flat*` changes every kind of leaf (content, exec bit,
// link target, file -> symlink, add, remove) plus empty directories; `full*` adds directory structure
// changes (a file in a new nested directory, a removed directory with files, a directory -> file).
import type { TreeSpec } from './tree.js';

export const flatOld: TreeSpec = {
  bin: {
    tool: { content: 'tool v1\n', mode: 0o755 },
    'script.sh': 'echo same\n',
    'link-changed': { symlink: 'tool' },
    'link-removed': { symlink: 'tool' },
    'becomes-link': 'a plain file\n',
    'same.txt': 'unchanged\n',
  },
  docs: { 'old.txt': 'removed file\n' },
  'kept-empty': {},
};

export const flatNew: TreeSpec = {
  bin: {
    tool: { content: 'tool v2, longer\n', mode: 0o755 },
    'script.sh': { content: 'echo same\n', mode: 0o755 },
    'link-changed': { symlink: 'script.sh' },
    'link-added': { symlink: 'tool' },
    'becomes-link': { symlink: 'tool' },
    'same.txt': 'unchanged\n',
    'added.txt': 'added\n',
  },
  docs: {},
  'empty-new': {},
  'kept-empty': {},
};

export const fullOld: TreeSpec = {
  ...flatOld,
  retired: { 'a.txt': 'retired a\n', sub: { 'b.txt': 'retired b\n' } },
  'was-dir': { 'inner.txt': 'inner\n' },
};

export const fullNew: TreeSpec = {
  ...flatNew,
  lib: { plugins: { 'new.so': 'new plugin\n' } },
  'was-dir': 'now a file\n',
};
