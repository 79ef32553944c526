// PURE: the cheapest chain of published packs from the installed version to a channel's version: fewest
// bytes (then fewest links), never landing on a pulled version, never jumping over a required stop that
// lies between the two versions (each such stop is on the chain), every link moving to a newer version.
import { compareVersions } from '../planner/compare-versions.js';

export interface ChainEdge {
  name: string;
  from: string;
  to: string;
  length: number;
}

export interface ChainRules {
  requiredStops: readonly string[];
  pulled: readonly string[];
}

/** The links in order, [] when from equals to, or null when no chain obeys the rules. */
export function findChain<E extends ChainEdge>(edges: readonly E[], from: string, to: string, rules: ChainRules): E[] | null {
  if (from === to) return [];
  if (compareVersions(from, to) >= 0 || rules.pulled.includes(to)) return null;
  const stops = [...new Set(rules.requiredStops)].filter((s) => compareVersions(from, s) < 0 && compareVersions(s, to) < 0).sort(compareVersions);
  if (stops.some((s) => rules.pulled.includes(s))) return null;
  const usable = edges.filter((e) => compareVersions(e.from, e.to) < 0 && !rules.pulled.includes(e.to)
    && !stops.some((s) => compareVersions(e.from, s) < 0 && compareVersions(s, e.to) < 0));
  const waypoints = [from, ...stops, to];
  const chain: E[] = [];
  for (let i = 0; i + 1 < waypoints.length; i++) {
    const leg = cheapest(usable, waypoints[i]!, waypoints[i + 1]!);
    if (leg === null) return null;
    chain.push(...leg);
  }
  return chain;
}

/** Dijkstra by (bytes, links, names): deterministic among equal costs. */
function cheapest<E extends ChainEdge>(edges: readonly E[], from: string, to: string): E[] | null {
  type Best = { bytes: number; links: number; path: E[] };
  const best = new Map<string, Best>([[from, { bytes: 0, links: 0, path: [] }]]);
  const done = new Set<string>();
  const better = (a: Best, b: Best): boolean => a.bytes !== b.bytes ? a.bytes < b.bytes : a.links !== b.links ? a.links < b.links : a.path.map((e) => e.name).join('\n') < b.path.map((e) => e.name).join('\n');
  for (;;) {
    let node: string | undefined;
    for (const [v, b] of best) if (!done.has(v) && (node === undefined || better(b, best.get(node)!))) node = v;
    if (node === undefined) return null;
    if (node === to) return best.get(node)!.path;
    done.add(node);
    const here = best.get(node)!;
    for (const e of edges) {
      if (e.from !== node || done.has(e.to) || compareVersions(e.to, to) > 0) continue;
      const cand = { bytes: here.bytes + e.length, links: here.links + 1, path: [...here.path, e] };
      const old = best.get(e.to);
      if (old === undefined || better(cand, old)) best.set(e.to, cand);
    }
  }
}
