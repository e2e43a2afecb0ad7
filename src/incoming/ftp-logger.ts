import type { Logger } from '../shared/logger.js';

type BunyanArgs = [unknown, ...unknown[]];

/** ftp-srv reports a reply it could not send to a client that already left as an error. */
const CLIENT_GONE = new Set(['Satisfy Parameters Error', '[Process Letter] Socket Write Error']);

/**
 * ftp-srv logs through a bunyan-style logger (`log.info(fields?, message)`); this adapts
 * ours. Its chatter goes to debug, its errors to warn (they are client problems).
 */
export function ftpSrvLogger(logger: Logger): unknown {
  const fields = (rest: unknown[]) =>
    typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as Record<string, unknown>) : {};
  const forward =
    (level: 'debug' | 'warn') =>
    (...args: BunyanArgs) => {
      const [first, ...rest] = args;
      if (first instanceof Error) logger[level](String(rest[0] ?? first.message), { err: first });
      else if (typeof first === 'object' && first !== null)
        logger[level](String(rest[0] ?? ''), first as Record<string, unknown>);
      else logger[CLIENT_GONE.has(String(first)) ? 'debug' : level](String(first), fields(rest));
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
