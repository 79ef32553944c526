// Asks a yes/no question on the terminal (text mode only). Without a terminal to ask on, the answer
// must come from the command line (--yes): a script never hangs on a question nobody sees.
import { createInterface } from 'node:readline/promises';
import { ServicePackError } from '../index.js';

export async function confirm(question: string, what: string): Promise<void> {
  if (process.stdin.isTTY !== true) {
    throw new ServicePackError('USAGE', `${what} needs a confirmation, and there is no terminal to ask on`, { hint: 'Pass --yes to confirm on the command line.', details: { argument: '--yes' } });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer === 'y' || answer === 'yes') return;
  } finally {
    rl.close();
  }
  throw new ServicePackError('USAGE', `not confirmed: ${what} did nothing`, { hint: 'Answer y to go ahead, or pass --yes.', details: { argument: '--yes' } });
}
