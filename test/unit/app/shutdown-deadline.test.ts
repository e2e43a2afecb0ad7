import { describe, expect, it } from 'vitest';
import { armShutdownDeadline } from '../../../src/app/shutdown-deadline.js';
import type { Logger } from '../../../src/shared/logger.js';

function recordingLogger(lines: string[]): Logger {
  const log = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  const logger: Logger = {
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return logger;
}

describe('armShutdownDeadline', () => {
  it('ends the process with 1 when the stop hangs, with 0 when only a handle holds it', async () => {
    const lines: string[] = [];
    const codes: number[] = [];
    armShutdownDeadline({
      timeoutSeconds: 0.05,
      logger: recordingLogger(lines),
      stopped: () => false,
      exit: (code) => codes.push(code),
    });
    armShutdownDeadline({
      timeoutSeconds: 0.1,
      logger: recordingLogger(lines),
      stopped: () => true,
      exit: (code) => codes.push(code),
    });
    const disarm = armShutdownDeadline({
      timeoutSeconds: 0.1,
      logger: recordingLogger(lines),
      stopped: () => true,
      exit: (code) => codes.push(code),
    });
    disarm();
    await new Promise((r) => setTimeout(r, 300));
    expect(codes).toEqual([1, 0]);
    expect(lines).toEqual([
      'error: debyard did not stop within 0.05s (shutdown_timeout); ending the process',
      'warn: debyard stopped, but the process was still held 0.1s later; ending it',
    ]);
  });
});
