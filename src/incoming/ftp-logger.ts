import type { Logger } from '../shared/logger.js';

type BunyanArgs = [unknown, ...unknown[]];

/**
 * ftp-srv logs through a bunyan-style logger (`log.info(fields?, message)`); this adapts
 * ours. Its chatter goes to debug, its errors to warn (they are client problems).
 */
export function ftpSrvLogger(logger: Logger): unknown {
  const forward =
    (level: 'debug' | 'warn') =>
    (...args: BunyanArgs) => {
      const [first, ...rest] = args;
      if (first instanceof Error) logger[level](String(rest[0] ?? first.message), { err: first });
      else if (typeof first === 'object' && first !== null)
        logger[level](String(rest[0] ?? ''), first as Record<string, unknown>);
      else logger[level](String(first));
    };
  return {
    trace: forward('debug'),
    debug: forward('debug'),
    info: forward('debug'),
    warn: forward('warn'),
    error: forward('warn'),
    fatal: forward('warn'),
    child: (bindings: Record<string, unknown>) => ftpSrvLogger(logger.child(bindings)),
  };
}
