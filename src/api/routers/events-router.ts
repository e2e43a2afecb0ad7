import type { EventLog } from '../../events/event-log.js';
import type { EventFilter, StoredEvent } from '../../events/event.js';
import { implement, type CallImplementation, type StreamSink } from '../api-router.js';
import type { CallInput } from '../call.js';
import { eventsCall } from '../specs/events.js';

export interface EventsRouterDeps {
  events: EventLog;
}

type EventsInput = CallInput<typeof eventsCall>;

const PAGE = 500;

export function eventRoutes(deps: EventsRouterDeps): CallImplementation[] {
  const { events } = deps;
  return [
    implement(
      eventsCall,
      (input) =>
        events.list({
          ...filterOf(input),
          afterId: input.after,
          beforeId: input.before,
          limit: input.limit,
        }),
      (input, { signal }, sink) => followEvents(events, input, signal, sink),
    ),
  ];
}

function filterOf(input: EventsInput): EventFilter {
  return {
    types: input.type,
    source: input.source,
    distribution: input.distribution,
    uploadId: input.upload,
    buildId: input.build,
    actor: input.user,
  };
}

/**
 * Sends the backlog, then every new matching event, in id order, until `signal` aborts.
 * Live notifications only wake the reader; events are read back from the store after the
 * last id sent, so none is lost or sent twice, whatever order they were published in.
 */
async function followEvents(
  events: EventLog,
  input: EventsInput,
  signal: AbortSignal,
  sink: StreamSink<StoredEvent>,
): Promise<void> {
  const filter = filterOf(input);
  const resumeAfter = parseEventId(sink.lastEventId) ?? input.after;
  let last = 0;
  const drain = () => {
    for (let more = true; more && !signal.aborted;) {
      const batch = events.list({ ...filter, afterId: last, limit: PAGE });
      for (const event of batch) sink.send(event, event.id);
      last = batch.at(-1)?.id ?? last;
      more = batch.length === PAGE;
    }
  };
  let scheduled = false;
  const unsubscribe = events.subscribe(() => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      drain();
    });
  }, filter);
  try {
    if (resumeAfter !== undefined) {
      last = resumeAfter;
      drain();
    } else {
      const recent = events.list({ ...filter, limit: input.limit }).reverse();
      for (const event of recent) sink.send(event, event.id);
      last = events.list({ limit: 1 })[0]?.id ?? 0;
    }
    await abortion(signal);
  } finally {
    unsubscribe();
  }
}

function parseEventId(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function abortion(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}
