// `npm run fuzz [-- --cases N --seed S --kinds exediff,flip --max-case-ms MS]`: runs the fuzzer and prints
// its counts; exit 1 on any failure. --kinds draws only from those mutation kinds; --max-case-ms raises
// the slow-case bound (5 s) for a loaded machine.
import { parseArgs } from 'node:util';
import { KINDS, type Kind } from './mutate.js';
import { runFuzz } from './run-fuzz.js';

const { values } = parseArgs({ options: { cases: { type: 'string', default: '100000' }, seed: { type: 'string' }, kinds: { type: 'string' }, 'max-case-ms': { type: 'string' } } });
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const cases = Number(values.cases);
const kinds = values.kinds?.split(',') as Kind[] | undefined;
const unknown = kinds?.filter((k) => !(KINDS as readonly string[]).includes(k)) ?? [];
if (unknown.length > 0) throw new Error(`unknown mutation kinds ${unknown.join(', ')} (known: ${KINDS.join(', ')})`);
const maxCaseMs = values['max-case-ms'] === undefined ? undefined : Number(values['max-case-ms']);
console.log(`fuzzing ${cases} cases, seed ${seed}${kinds === undefined ? '' : `, kinds ${kinds.join(',')}`}`);
const report = await runFuzz({ cases, seed, ...(kinds === undefined ? {} : { kinds }), ...(maxCaseMs === undefined ? {} : { maxCaseMs }), onProgress: (n) => n % 10000 === 0 && console.log(`  ${n} cases`) });
console.log(JSON.stringify({ ...report, failures: report.failures.length }, null, 1));
for (const f of report.failures.slice(0, 20)) console.log(`FAILURE case ${f.index} (${f.kind}): ${f.problem}\n  replay: ${f.file}`);
process.exitCode = report.failures.length === 0 ? 0 : 1;
