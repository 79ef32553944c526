// `npm run fuzz:metadata [-- --cases N --seed S]`: fuzzes the repository metadata sync parses; exit 1 on any failure.
import { parseArgs } from 'node:util';
import { runMetadataFuzz } from './run-metadata-fuzz.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '20000' }, seed: { type: 'string' } } });
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const cases = Number(values.cases);
console.log(`fuzzing ${cases} metadata cases, seed ${seed}`);
const started = Date.now();
const report = await runMetadataFuzz({ cases, seed });
console.log(JSON.stringify({ ...report, failures: report.failures.length, seconds: (Date.now() - started) / 1000 }, null, 1));
for (const f of report.failures.slice(0, 20)) console.log(`FAILURE case ${f.index}: ${f.problem}\n  file: ${f.file}`);
process.exitCode = report.failures.length === 0 ? 0 : 1;
