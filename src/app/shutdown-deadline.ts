import { formatDuration } from '../config/units.js';
import type { Logger } from '../shared/logger.js';

export interface ShutdownDeadlineOptions {
  timeoutSeconds: number;
  logger: Logger;
  /** Whether the daemon finished its orderly stop. */
  stopped: () => boolean;
  /** Ends the process (process.exit in the daemon). */
  exit: (code: number) => void;
}

/**
 * Ends the process `timeoutSeconds` after a stop began, whatever still runs: a stop that
 * hangs (exit code 1) or something that keeps the process alive after it (exit code 0:
 * the home was left in order). Logs what was still open. The timer does not itself keep
 * the process alive; the returned function disarms it.
 */
export function armShutdownDeadline(options: ShutdownDeadlineOptions): () => void {
  const { timeoutSeconds, logger } = options;
  const timer = setTimeout(() => {
    const open = openResources();
    const after = formatDuration(timeoutSeconds);
    if (options.stopped()) {
      logger.warn(`debyard stopped, but the process was still held ${after} later; ending it`, {
        open,
      });
      options.exit(0);
    } else {
      logger.error(`debyard did not stop within ${after} (shutdown_timeout); ending the process`, {
        open,
      });
      options.exit(1);
    }
  }, timeoutSeconds * 1000);
  timer.unref();
  return () => clearTimeout(timer);
}

/** What keeps the event loop alive, by kind (e.g. { TCPSocketWrap: 2 }). */
function openResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
