import { z } from 'zod';
import { EVENT_TYPES, type StoredEvent } from '../../events/event.js';
import { formatTable } from '../../shared/text-table.js';
import { commaList, defineCall, queryBoolean, queryInt } from '../call.js';

/** Event types as a list: repeated (`?type=A&type=B`) or comma-separated (`A,B`). */
const eventTypes = z.preprocess(
  commaList((s) => s.toUpperCase()),
  z.array(
    z.enum(EVENT_TYPES, {
      errorMap: () => ({ message: `must be one of ${EVENT_TYPES.join(', ')}` }),
    }),
  ),
);

export const eventsInput = z
  .object({
    type: eventTypes.optional().describe('Only these event types (repeat or separate by commas)'),
    source: z.string().min(1).optional().describe('Only events of this source package'),
    distribution: z
      .string()
      .min(1)
      .optional()
      .describe('Only events of this distribution, e.g. bookworm-test-unstable'),
    upload: queryInt(1).optional().describe('Only events of this upload id'),
    build: queryInt(1).optional().describe('Only events of this build id'),
    user: z.string().min(1).optional().describe('Only what this user did (the audit trail)'),
    after: queryInt(0).optional().describe('Only events with an id greater than this'),
    before: queryInt(1).optional().describe('Only events with an id less than this'),
    limit: queryInt(1, 1000).default(50).describe('At most this many events [default: 50]'),
    follow: queryBoolean
      .default(false)
      .describe('Keep streaming new events as they happen (Server-Sent Events)'),
  })
  .strict();

const line = (e: StoredEvent) =>
  [
    e.time,
    e.type,
    e.actor && `by ${e.actor}`,
    e.source && `${e.source}${e.version ? ` ${e.version}` : ''}`,
    e.message,
  ]
    .filter(Boolean)
    .join('  ');

export const eventsCall = defineCall({
  name: 'events',
  method: 'GET',
  access: 'anonymous',
  summary: 'List events, newest first, or follow them as they happen',
  description:
    'With --follow, the latest matching events are printed oldest first, then new ones as they happen; with --after N, every event after id N first. Over HTTP, follow=true answers with Server-Sent Events (ids are event ids; a client resumes with Last-Event-ID). Events about a private repository and the audit trail (AUDIT) reach logged-in callers only.',
  input: eventsInput,
  format: (events: StoredEvent[]) =>
    formatTable(
      events,
      [
        { header: 'ID', value: (e) => e.id, right: true },
        { header: 'TIME', value: (e) => e.time },
        { header: 'TYPE', value: (e) => e.type },
        { header: 'SOURCE', value: (e) => e.source },
        { header: 'VERSION', value: (e) => e.version },
        { header: 'DISTRIBUTION', value: (e) => e.distribution },
        { header: 'USER', value: (e) => e.actor },
        { header: 'MESSAGE', value: (e) => e.message },
      ],
      'no events',
    ),
  stream: { flag: 'follow', formatItem: line },
  examples: [
    ['debyard events --type FAILED --source hello', 'failed builds of hello'],
    ['debyard events --follow', 'watch what happens'],
    ['debyard events --type AUDIT --user admin', "the admin's actions"],
  ],
});
