#!/usr/bin/env node
// The physical floor of an install: for each file a pack writes, write its B bytes to a temp name in the
// same directory, fsync, rename the old file aside, rename the new one in; for each removed file, one
// rename aside. Usage: node bench/floor.mjs NEW_ROOT TARGET PLAN.json — prints the seconds spent on
// those operations alone (the process wall time, measured outside, adds Node's start and the reads).
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [newRoot, target, planPath] = process.argv.slice(2);
/** @type {{ write: string[], remove: string[] }} */
const plan = JSON.parse(readFileSync(planPath, 'utf8'));
const contents = plan.write.map((p) => readFileSync(join(newRoot, p)));
const aside = join(target, '.floor-aside');
mkdirSync(aside, { recursive: true });
const started = process.hrtime.bigint();
plan.write.forEach((rel, i) => {
  const dest = join(target, rel);
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.floor-new`;
  const fd = openSync(tmp, 'w', 0o644);
  const data = contents[i];
  for (let off = 0; off < data.length;) off += writeSync(fd, data, off, data.length - off);
  fsyncSync(fd);
  closeSync(fd);
  try {
    renameSync(dest, join(aside, String(i)));
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  renameSync(tmp, dest);
});
plan.remove.forEach((rel, i) => renameSync(join(target, rel), join(aside, `r${i}`)));
console.log((Number(process.hrtime.bigint() - started) / 1e9).toFixed(4));
