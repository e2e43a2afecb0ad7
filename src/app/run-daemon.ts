import os from 'node:os';
import type { DaemonArgs } from '../cli/daemon-command.js';
import { UsageError } from '../cli/exit-codes.js';
import { loadSettings } from '../config/load-settings.js';
import { InvalidInputError } from '../shared/errors.js';
import { createLogger } from '../shared/logger.js';
import { startDaemon, type Daemon } from './daemon.js';
import { armShutdownDeadline } from './shutdown-deadline.js';

/** A signal within this time of the first is the same stop request delivered twice. */
const REPEATED_SIGNAL_MS = 1000;

/**
 * `debyard daemon`: validates the settings, starts the daemon and runs it until SIGTERM
 * or SIGINT, then stops it in order. Resolves with the exit code.
 */
export async function runDaemon(args: DaemonArgs): Promise<number> {
  let settings;
  try {
    settings = loadSettings({
      configFile: args.config,
      env: process.env,
      flags: args,
      cwd: process.cwd(),
      hostname: os.hostname(),
      cpuCount: os.availableParallelism(),
    });
  } catch (error) {
    if (error instanceof InvalidInputError)
      throw new UsageError(error.fullMessage, { cause: error });
    throw error;
  }
  const pretty =
    settings.logFormat === 'pretty' || (settings.logFormat === 'auto' && process.stdout.isTTY);
  const logger = createLogger({
    level: settings.logLevel,
    format: pretty ? 'pretty' : 'json',
    color: pretty && process.stdout.isTTY && !process.env.NO_COLOR,
  });
  // Handlers go in before start-up, so a signal during start-up stops the daemon cleanly
  // once it is up instead of killing the process half-way.
  let daemon: Daemon | undefined;
  let stopReason: string | undefined;
  let firstSignalAt: number | undefined;
  let stopped = false;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (firstSignalAt !== undefined) {
      // Ctrl-C under `npm start` or `npx` reaches the daemon twice: from the terminal and
      // forwarded by npm. Only a signal that comes later is a second request.
      if (now - firstSignalAt < REPEATED_SIGNAL_MS) return;
      logger.warn('second signal: exiting at once', { signal });
      process.exit(1);
    }
    firstSignalAt = now;
    stopReason = `received ${signal}`;
    // The process ends within the shutdown timeout, whatever clients or parts still do.
    armShutdownDeadline({
      timeoutSeconds: settings.shutdownTimeoutSeconds,
      logger,
      stopped: () => stopped,
      exit: (code) => process.exit(code),
    });
    void daemon?.stop(stopReason);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    daemon = await startDaemon({ settings, logger });
    if (stopReason) void daemon.stop(stopReason);
    await daemon.stopped;
    stopped = true;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  return 0;
}
