// The release pair of the crash matrices: a few hundred files with every kind of change a pack carries
// (content, exec bit, link target, file <-> symlink, adds and removals in new and retired directories,
// empty directories kept, added and removed, directory -> file, file -> directory, a multi-chunk file).
import type { TreeSpec } from '../helpers/tree.js';

const text = (name: string, version: number, lines = 3): string =>
  Array.from({ length: lines }, (_, n) => `${name} v${version} line ${n}\n`).join('');

/** A large file whose decoding takes several writes; `version` changes a few bytes in the middle. */
function big(version: number): Buffer {
  const b = Buffer.alloc(600 * 1024);
  for (let n = 0; n < b.length; n++) b[n] = (n * 7 + (n >> 12)) & 0xff;
  b.write(`version ${version}`, 300 * 1024);
  return b;
}

/** `modules` directories of `perModule` files each; the changes are spread over all of them. */
export function releasePair(modules = 12, perModule = 20): { oldSpec: TreeSpec; newSpec: TreeSpec } {
  const oldApp: TreeSpec = {};
  const newApp: TreeSpec = {};
  for (let m = 0; m < modules; m++) {
    const o: TreeSpec = {};
    const n: TreeSpec = {};
    for (let f = 0; f < perModule; f++) {
      const name = `f${f}.js`;
      switch (f % 10) {
        case 0: case 1: case 2: // changed content
          o[name] = text(name, 1); n[name] = text(name, 2, 4); break;
        case 3: // exec bit only
          o[name] = text(name, 1); n[name] = { content: text(name, 1), mode: 0o755 }; break;
        case 4: // removed
          o[name] = text(name, 1); break;
        case 5: // added
          n[name] = text(name, 2); break;
        case 6: // symlink retargeted
          o[name] = { symlink: 'f0.js' }; n[name] = { symlink: 'f1.js' }; break;
        case 7: // file becomes symlink (even module) or symlink becomes file (odd)
          if (m % 2 === 0) { o[name] = text(name, 1); n[name] = { symlink: 'f2.js' }; }
          else { o[name] = { symlink: 'f2.js' }; n[name] = text(name, 2); }
          break;
        default: // unchanged
          o[name] = text(name, 1); n[name] = text(name, 1);
      }
    }
    oldApp[`mod${m}`] = o;
    newApp[`mod${m}`] = n;
  }
  const oldSpec: TreeSpec = {
    app: oldApp,
    bin: { tool: { content: big(1), mode: 0o755 }, 'tool-link': { symlink: 'tool' }, 'gone-link': { symlink: 'tool' } },
    retired: { 'a.txt': 'retired a\n', deep: { 'b.txt': 'retired b\n', 'c-link': { symlink: '../a.txt' } }, 'empty-inside': {} },
    'was-dir': { 'inner.txt': 'inner\n', sub: {} },
    'was-file': 'a file that becomes a directory\n',
    'kept-empty': {},
    'removed-empty': {},
    var: { cache: {} },
  };
  const newSpec: TreeSpec = {
    app: newApp,
    bin: { tool: { content: big(2), mode: 0o755 }, 'tool-link': { symlink: 'tool' }, 'new-link': { symlink: '../lib/x/y/z.so' } },
    lib: { x: { y: { 'z.so': 'new plugin\n', 'empty-new': {} } } },
    'was-dir': 'now a file\n',
    'was-file': { 'inside.txt': 'now inside a directory\n' },
    'kept-empty': {},
    'added-empty': {},
    var: { cache: {} },
  };
  return { oldSpec, newSpec };
}
