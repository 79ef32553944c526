// The progress bar of long work on a terminal (cli-progress): bytes done of the total, rate and ETA.
// Only on a TTY: piped or redirected output gets no bar, and --json gets progress events instead.
import cliProgress from 'cli-progress';
import { humanBytes } from './human-size.js';

export interface ProgressBar {
  update(bytes: number, totalBytes: number): void;
  stop(): void;
}

export function startProgressBar(label: string, stream: NodeJS.WriteStream): ProgressBar {
  const started = Date.now();
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${label} {bar} {percentage}% | {doneBytes} of {totalBytes} | {rate} | {duration_formatted} elapsed | ETA {eta_formatted}`,
    barCompleteChar: '#',
    barIncompleteChar: '-',
    barsize: 24,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
    fps: 10,
  }, cliProgress.Presets.legacy);
  const payload = (bytes: number, total: number) => {
    const seconds = (Date.now() - started) / 1000;
    return { doneBytes: humanBytes(bytes), totalBytes: humanBytes(total), rate: seconds > 0 ? `${humanBytes(Math.round(bytes / seconds))}/s` : '-' };
  };
  let running = false;
  return {
    update(bytes, totalBytes) {
      if (!running) {
        bar.start(Math.max(totalBytes, 1), bytes, payload(bytes, totalBytes));
        running = true;
      } else bar.update(bytes, payload(bytes, totalBytes));
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
