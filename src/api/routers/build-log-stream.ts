import { ENDED_BUILD_STATES } from '../../scheduler/build-records.js';
import type { StreamSink } from '../api-router.js';
import type { BuildLogItem } from '../specs/builds.js';
import type { LogPiece, LogReadOptions } from '../../builder/live-log.js';
import type { BuildInfo } from '../../scheduler/scheduler.js';

/** Live build logs (LiveLogHub). */
export interface BuildLogs {
  isLive(buildId: number): boolean;
  read(buildId: number, file: string, options?: LogReadOptions): AsyncIterable<LogPiece>;
}

export interface BuildLogDeps {
  queue: { build(id: number): BuildInfo };
  logs: BuildLogs;
}

const POLL_MS = 250;
/** Longer lines are sent in parts of this many characters (each an item of its own). */
const LONGEST_LINE = 64 * 1024;

/**
 * Streams a build's log line by line (ids are line numbers, so a client that reconnects
 * gets the lines it missed; a line longer than LONGEST_LINE counts as several): a queued build's once it starts, a running build's as it
 * is written, a finished build's from its file; then the end with the build's state.
 */
export async function followBuildLog(
  deps: BuildLogDeps,
  buildId: number,
  signal: AbortSignal,
  sink: StreamSink<BuildLogItem>,
): Promise<void> {
  const skip = Number(/^\d+$/.test(sink.lastEventId ?? '') ? sink.lastEventId : 0);
  const started = await until(signal, () => {
    const build = deps.queue.build(buildId);
    const final = ENDED_BUILD_STATES.includes(build.state);
    return final || (build.state === 'BUILDING' && deps.logs.isLive(buildId)) ? build : null;
  });
  if (!started) return;
  if (started.logFile) await streamLines(deps, started.logFile, buildId, signal, skip, sink);
  const ended = await until(signal, () => {
    const build = deps.queue.build(buildId);
    return ENDED_BUILD_STATES.includes(build.state) || build.state === 'QUEUED' ? build : null;
  });
  if (ended) sink.send({ end: true, state: ended.state });
}

async function streamLines(
  deps: BuildLogDeps,
  file: string,
  buildId: number,
  signal: AbortSignal,
  skip: number,
  sink: StreamSink<BuildLogItem>,
): Promise<void> {
  let partial = '';
  let count = 0;
  const line = (text: string) => {
    count++;
    if (count > skip) sink.send({ line: text.replace(/\r$/, '') }, count);
  };
  // Piece by piece, each sent before the next is read: a slow client holds up only itself.
  for await (const piece of deps.logs.read(buildId, file, { follow: true, signal })) {
    const lines = (partial + piece.text).split('\n');
    partial = lines.pop()!;
    for (const l of lines) line(l);
    // A line without end (a build printing one endless line) comes in parts.
    while (partial.length >= LONGEST_LINE) {
      line(partial.slice(0, LONGEST_LINE));
      partial = partial.slice(LONGEST_LINE);
    }
    await sink.drained();
  }
  if (partial !== '' && !signal.aborted) line(partial);
}

/** Polls `check` until it gives a value or `signal` aborts (then null). */
async function until<T>(signal: AbortSignal, check: () => T | null): Promise<T | null> {
  for (;;) {
    if (signal.aborted) return null;
    const value = check();
    if (value !== null) return value;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, POLL_MS);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
