// Whether a directory of servicepack's state may steer this process: when it runs as root, only a
// directory that root owns and that neither group nor others can write (sudo's and sshd's rule for
// the files they trust). Other users act with their own rights, which a state directory cannot widen.

/** The reason to refuse a state directory with owner `uid` and `mode`, or null when it is safe to use. */
export function stateDirProblem(st: { uid: number; mode: number }): string | null {
  if (process.geteuid?.() !== 0) return null;
  if (st.uid !== 0) return `owned by uid ${st.uid}, not root`;
  if ((st.mode & 0o022) !== 0) return `mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')} lets ${(st.mode & 0o020) !== 0 ? 'group' : 'others'} write`;
  return null;
}
