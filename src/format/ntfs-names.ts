// Which entry paths Windows cannot hold: NTFS through the Win32 API refuses device names, some
// characters and trailing dots or spaces, and sees two names that differ only in case as one.
// Pure: used by the install preflight when the platform's path rules are 'ntfs', and by build's warning.

/** Device names Win32 reserves in every directory, with any extension (CON.txt is the console too). */
const RESERVED = new Set([
  'CON', 'PRN', 'AUX', 'NUL',
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9, '\u00b9', '\u00b2', '\u00b3'].flatMap((n) => [`COM${n}`, `LPT${n}`]),
]);
const FORBIDDEN = /[<>:"|?*\\\u0000-\u001f]/;

/** Why one '/'-separated entry path cannot be represented on NTFS, or undefined when it can. */
export function ntfsNameProblem(path: string): string | undefined {
  for (const name of path.split('/')) {
    const bad = FORBIDDEN.exec(name);
    if (bad !== null) {
      const c = bad[0];
      return `the name ${JSON.stringify(name)} contains ${c.charCodeAt(0) < 32 ? `the control character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`}, which Windows does not allow`;
    }
    // Win32 drops trailing dots and spaces ("a." opens "a"); a file cannot keep them.
    if (name.endsWith('.') || name.endsWith(' ')) return `the name ${JSON.stringify(name)} ends with a ${name.endsWith('.') ? 'dot' : 'space'}, which Windows drops`;
    // The device name is what precedes the first dot, trailing spaces ignored ("NUL .txt" is NUL too).
    const stem = name.split('.')[0]!.trimEnd().toUpperCase();
    if (RESERVED.has(stem)) return `the name ${JSON.stringify(name)} is the reserved Windows device name ${stem}`;
  }
  return undefined;
}

/** Every path of `paths` Windows cannot hold, with why, in the order given; names equal ignoring case too. */
export function ntfsNameProblems(paths: readonly string[]): { path: string; reason: string }[] {
  const out: { path: string; reason: string }[] = [];
  const seen = new Map<string, string>();
  for (const path of paths) {
    const reason = ntfsNameProblem(path);
    if (reason !== undefined) {
      out.push({ path, reason });
      continue;
    }
    // NTFS compares names by its upcase table: toUpperCase is that table for all but a few code points.
    const folded = path.toUpperCase();
    const other = seen.get(folded);
    if (other !== undefined) out.push({ path, reason: `it equals ${JSON.stringify(other)} ignoring case, and Windows sees one name` });
    else seen.set(folded, path);
  }
  return out;
}
