// `npm run fuzz [-- --cases N --seed S]`: runs the fuzzer and prints its counts; exit 1 on any failure.
import { parseArgs } from 'node:util';
import { runFuzz } from './run-fuzz.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '100000' }, seed: { type: 'string' } } });
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const cases = Number(values.cases);
console.log(`fuzzing ${cases} cases, seed ${seed}`);
const report = await runFuzz({ cases, seed, onProgress: (n) => n % 10000 === 0 && console.log(`  ${n} cases`) });
console.log(JSON.stringify({ ...report, failures: report.failures.length }, null, 1));
for (const f of report.failures.slice(0, 20)) console.log(`FAILURE case ${f.index} (${f.kind}): ${f.problem}\n  replay: ${f.file}`);
process.exitCode = report.failures.length === 0 ? 0 : 1;
