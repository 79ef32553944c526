// Progress events a long command reports while it works; the CLI renders them as text or JSON lines.

export type Phase = 'recover' | 'verify' | 'preflight' | 'stage' | 'commit' | 'record' | 'clean-up' | 'roll-back' | 'trial';

export type ProgressEvent =
  | { type: 'phase'; phase: Phase }
  | { type: 'staged'; path: string; bytes: number; done: number; total: number }
  | { type: 'step'; op: 'swap' | 'mkdir' | 'rmdir' | 'chmod'; path: string; done: number; total: number }
  | { type: 'recovered'; txid: string; kind: 'install' | 'uninstall'; outcome: 'rolled-back' | 'rolled-forward' }
  | { type: 'lock-taken-over'; fromPid: number }
  | { type: 'warning'; code: string; message: string }
  | { type: 'cleanup'; removed: number; bytesFreed: number; held: string[] }
  | { type: 'hook'; phase: 'pre' | 'post'; argv: string[]; ok: boolean }
  | { type: 'unit-restart'; unit: string; ok: boolean }
  /** A step of `sync`: metadata refreshed, a download, a link installed, a roll-back to the starting version. */
  | { type: 'sync'; step: 'metadata' | 'download' | 'link' | 'rolled-back'; message: string }
  /** One run of one health check: during the trial, or once after its roll-back (docs/health.md). */
  | { type: 'health-check'; phase: 'trial' | 'after-roll-back'; check: string; ok: boolean; reason?: string; ms: number; atMs: number }
  | { type: 'trial'; outcome: 'started' | 'confirmed' | 'failed' | 'interrupted' | 'abandoned'; txid: string; reason?: string };

export type EventSink = (event: ProgressEvent) => void;
