// The platform seam: everything that differs between operating systems, asked of one object that is
// chosen once at the edge (selectPlatform) and passed down. Shared code never tests process.platform.

export interface Platform {
  /** Short name for messages and --json output, e.g. 'linux'. */
  readonly name: string;
  /**
   * How an old file is preserved before the new one replaces it: 'link' keeps the old path present the
   * whole time (hard link aside, then rename over); 'rename' moves it aside first (a brief gap).
   */
  readonly setAside: 'link' | 'rename';
  /** Whether directories can be fsynced (they cannot on Windows). */
  readonly canFsyncDirectories: boolean;
  /** An opaque start-time token of a live process, or null when no such process exists. */
  processStartToken(pid: number): string | null;
  /** This process's command line, for lock files and messages. */
  describeProcess(pid: number): string | undefined;
}
