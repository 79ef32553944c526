#!/usr/bin/env node
// The test run of `npm test`: node --test over dist/ on this Node, then ONE line naming the system
// programs tests were skipped for (test/helpers/tools.ts records them) and the apt-get line that brings
// them. Arguments replace the default files (every dist/**/*.test.js, listed here: Node 20 expands a
// directory argument, Node 22 and later take only files and globs, and a glob's quoting differs by shell).
// With SERVICEPACK_TEST_REQUIRE_ALL=1 a skipped program fails the run (the test file already failed;
// this says why at the end).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const testFiles = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
  d.isDirectory() ? testFiles(join(dir, d.name)) : d.name.endsWith('.test.js') ? [join(dir, d.name)] : []).sort();

const dir = mkdtempSync(join(tmpdir(), 'servicepack-skips-'));
const log = join(dir, 'skips');
const targets = process.argv.length > 2 ? process.argv.slice(2) : testFiles('dist');
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...targets], {
  stdio: 'inherit',
  env: { ...process.env, SERVICEPACK_TEST_SKIP_LOG: log },
});
let lines = [];
try {
  lines = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
}
rmSync(dir, { recursive: true, force: true });

const tools = new Map(); // program -> test files that skipped for it
const apt = new Set();
const setups = new Set();
for (const [tool, fix, file, kind] of lines) {
  if (!tools.has(tool)) tools.set(tool, new Set());
  tools.get(tool).add(file);
  if (kind === 'setup') setups.add(fix);
  else for (const p of fix.split(' ')) apt.add(p);
}
let status = run.status ?? 1;
if (tools.size > 0) {
  const named = [...tools].map(([tool, files]) => `${tool} (${files.size} file${files.size === 1 ? '' : 's'})`).join(', ');
  const fixes = [apt.size > 0 ? `apt-get install -y ${[...apt].sort().join(' ')}` : '', ...setups].filter((f) => f !== '').join(', then ');
  if (process.env.SERVICEPACK_TEST_REQUIRE_ALL === '1') {
    console.log(`servicepack: FAILED: SERVICEPACK_TEST_REQUIRE_ALL=1 and tests need missing ${named}; to bring them: ${fixes}`);
    status = status || 1;
  } else console.log(`servicepack: tests skipped for missing ${named}; to run them: ${fixes}`);
} else if (run.signal === null) {
  console.log('servicepack: no test was skipped for a missing program');
}
process.exit(run.signal !== null ? 1 : status);
