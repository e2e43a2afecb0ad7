import type { LiveLogHub } from '../builder/live-log.js';
import type { PeerBuildResult } from './peer-api.js';

export interface JobLogSource {
  logs: LiveLogHub;
  logId: number;
  logFile: string;
  /** Whether the build has ended (its log is complete on disk). */
  finished(): boolean;
  /** Resolves with the result once the build has ended. */
  result(): Promise<PeerBuildResult>;
}

const POLL_MS = 100;

/**
 * Hands a job's log to `onText` from byte `from` on (with the byte offset after each
 * piece, which a client resumes from), until the build has ended; then resolves with the
 * result. A build that has started but not opened its log yet is waited for. The next
 * piece is read only when `onText` has settled (a slow client holds up only itself).
 */
export async function followJobLog(
  source: JobLogSource,
  from: number,
  onText: (text: string, endByte: number) => void | Promise<void>,
  signal: AbortSignal,
): Promise<PeerBuildResult> {
  while (!source.logs.isLive(source.logId) && !source.finished()) {
    await sleep(POLL_MS, signal);
  }
  const pieces = source.logs.read(source.logId, source.logFile, { from, follow: true, signal });
  for await (const piece of pieces) await onText(piece.text, piece.end);
  if (signal.aborted) throw signal.reason as Error;
  return source.result();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
