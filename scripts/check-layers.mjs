#!/usr/bin/env node
// Enforces the one-way dependency direction of src/ (docs/architecture.md): a folder may import only
// from folders below it, the CLI only from src/index.ts, the operations (src/operations/) never from
// each other, and nothing may form an import cycle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const layers = ['errors', 'platform', 'fs', 'format', 'signing', 'delta', 'inventory', 'build', 'journal', 'planner', 'inuse', 'records', 'engine', 'operations', 'fleet', 'demo', 'library', 'index.ts', 'cli'];
const src = resolve('src');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? files(join(dir, d.name)) : d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') ? [join(dir, d.name)] : []);
}
const layerOf = (file) => relative(src, file).split('/')[0];
const problems = [];
const graph = new Map();
for (const file of files(src)) {
  const from = layerOf(file);
  const deps = [];
  for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)) {
    const target = resolve(dirname(file), m[1].replace(/\.js$/, '.ts'));
    deps.push(target);
    const to = layerOf(target);
    if (from === to) {
      if (from === 'operations') problems.push(`${relative(src, file)} imports ${m[1]}: an operation never imports another; shared work belongs in src/engine/`);
      continue;
    }
    if (from === 'cli' && to !== 'index.ts') problems.push(`${relative(src, file)} imports ${m[1]}: the CLI imports only src/index.ts`);
    else if (layers.indexOf(to) > layers.indexOf(from)) problems.push(`${relative(src, file)} imports ${m[1]}: ${from} may not depend on ${to}`);
  }
  graph.set(file, deps);
}
// Cycle check over files (depth-first, three colours).
const colour = new Map();
function visit(f, stack) {
  colour.set(f, 'grey');
  for (const d of graph.get(f) ?? []) {
    if (colour.get(d) === 'grey') problems.push(`import cycle: ${[...stack, f, d].slice(stack.indexOf(d) >= 0 ? stack.indexOf(d) : 0).map((x) => relative(src, x)).join(' -> ')}`);
    else if (!colour.has(d) && graph.has(d)) visit(d, [...stack, f]);
  }
  colour.set(f, 'black');
}
for (const f of graph.keys()) if (!colour.has(f)) visit(f, []);
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`layers: ${graph.size} files, one-way imports, no cycles`);
