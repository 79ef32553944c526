// The line structure shared by minisign key files: "untrusted comment: ..." then one base64 line.
// Lines may end in CRLF (files edited on Windows); anything after the key line must be blank.
import { keyInvalid } from './signing-errors.js';

export const UNTRUSTED_PREFIX = 'untrusted comment: ';
export const TRUSTED_PREFIX = 'trusted comment: ';

/** [comment line, key line] of a key file; KEY_INVALID naming `source` when the structure is wrong. */
export function splitKeyFile(text: string, source: string): [string, string] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const [comment, key, ...rest] = lines;
  if (comment === undefined || !comment.startsWith(UNTRUSTED_PREFIX)) {
    throw keyInvalid(source, `the first line does not start with "${UNTRUSTED_PREFIX}"`);
  }
  if (key === undefined || key === '') throw keyInvalid(source, 'the key line is missing');
  if (rest.some((l) => l.trim() !== '')) throw keyInvalid(source, 'text follows the key line');
  return [comment, key];
}
