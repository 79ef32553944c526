// Pure: the entries a format-3 manifest carries (docs/format.md, "Entries"): every path that is added,
// changed or removed, plus, as `keep`, each ancestor directory of those and each unchanged file a hard
// link among them names (with its ancestors). The rest of the tree is only in the tree commitments.
import type { ManifestEntry } from '../format/manifest.js';
import { parentPath } from '../format/paths.js';

export function changesOnly(entries: readonly ManifestEntry[]): ManifestEntry[] {
  const needed = new Set<string>();
  const need = (path: string): void => {
    for (let p = path; p !== '' && !needed.has(p); p = parentPath(p)) needed.add(p);
  };
  for (const e of entries) {
    if (e.action === 'keep') continue;
    need(e.path);
    for (const node of [e.old, e.new]) if (node?.type === 'file' && node.hardlink !== undefined) need(node.hardlink);
  }
  return entries.filter((e) => needed.has(e.path));
}
