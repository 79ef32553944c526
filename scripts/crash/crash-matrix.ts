// `npm run test:crash [-- --full] [--media plain,ext4,...] [--ops install,uninstall] [--sample N] [--jobs N]
//  [--calls openat,rename] [--seq 212,300]`:
// the crash and power-loss matrices with a report per operation and medium. Exit 1 if any point fails.
import { cleanupTempDirs } from '../../test/helpers/tree.js';
import { POWER_MEDIA, closeAllMedia, powerLossUnavailable, straceUnavailable, type MediumKind } from '../../test/crash/media.js';
import { formatCell, runMatrix } from '../../test/crash/matrix.js';
import { makeScenarios } from '../../test/crash/scenarios.js';

function option(argv: string[], name: string): string | undefined {
  const n = argv.indexOf(name);
  return n >= 0 ? argv[n + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const full = argv.includes('--full');
  const sample = full ? undefined : Number(option(argv, '--sample') ?? 40);
  const jobs = Number(option(argv, '--jobs') ?? 2);
  const missing = straceUnavailable();
  if (missing !== null) {
    console.log(missing);
    return 0;
  }
  let media = (option(argv, '--media')?.split(',') ?? ['plain', ...POWER_MEDIA]) as MediumKind[];
  const noLoop = powerLossUnavailable();
  if (noLoop !== null && media.some((m) => m !== 'plain')) {
    console.log(noLoop);
    media = media.filter((m) => m === 'plain');
  }
  const ops = option(argv, '--ops')?.split(',');
  const scenarios = (await makeScenarios()).filter((s) => ops === undefined || ops.includes(s.op));
  console.log(`crash matrix: ${full ? 'every crash point' : `up to ${sample} points per cell`}, ${jobs} job(s), media ${media.join(', ')}`);
  const started = Date.now();
  try {
    const calls = option(argv, '--calls')?.split(',');
    const seqs = option(argv, '--seq')?.split(',').map(Number);
    const cells = await runMatrix({
      scenarios, media, sample, jobs, onCell: (c) => console.log(formatCell(c)),
      ...(calls === undefined ? {} : { calls }), ...(seqs === undefined ? {} : { seqs }),
    });
    const tested = cells.reduce((n, c) => n + c.tested, 0);
    const passed = cells.reduce((n, c) => n + c.passed, 0);
    console.log(`total ${passed}/${tested} crash points passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return passed === tested ? 0 : 1;
  } finally {
    cleanupTempDirs();
  }
}

// Interrupted: give back the loop mounts and temporary trees before exiting.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    closeAllMedia();
    cleanupTempDirs();
    process.exit(130);
  });
}

process.exitCode = await main(process.argv.slice(2));
