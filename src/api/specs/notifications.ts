import { z } from 'zod';
import { EVENT_TYPES } from '../../events/event.js';
import { formatTable } from '../../shared/text-table.js';
import { commaList, defineCall, queryInt } from '../call.js';

/** A webhook or an email subscription as the API shows it (never with the secret). */
export interface TargetView {
  id: number;
  /** The webhook URL or the subscriber's email address. */
  address: string;
  events: string[];
  source: string | null;
  repository: string | null;
  createdAt: string;
  createdBy: string | null;
  /** Deliveries waiting (retries included). */
  pending: number;
}

export interface DeliveryView {
  id: number;
  target: number;
  event: number;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
  updatedAt: string;
}

const eventList = z
  .preprocess(
    commaList(),
    z.array(
      z.enum(EVENT_TYPES, {
        errorMap: () => ({ message: `must be event types among ${EVENT_TYPES.join(', ')}` }),
      }),
    ),
  )
  .optional()
  .describe('only these event types, e.g. INSTALLED,FAILED (default: every event)');

const filters = {
  events: eventList,
  source: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.+-]+$/, 'must be a source package name, like hello')
    .optional()
    .describe('only events of this source package'),
  repo: z
    .string()
    .regex(/^[a-z0-9]+$/, 'must be a repository id, like test')
    .optional()
    .describe('only events of this repository'),
};

const id = (what: string) => queryInt(1).describe(`the ${what} id`);

const targetTable = (header: string) => (list: TargetView[]) =>
  list.length === 0
    ? `no ${header.toLowerCase()}s`
    : formatTable(list, [
        { header: 'ID', value: (t) => t.id, right: true },
        { header, value: (t) => t.address },
        { header: 'EVENTS', value: (t) => t.events.join(',') || 'all' },
        { header: 'FILTER', value: (t) => [t.source, t.repository].filter(Boolean).join(' ') },
        { header: 'PENDING', value: (t) => t.pending, right: true },
      ]);

export const webhooksCall = defineCall({
  name: 'webhooks',
  method: 'GET',
  access: 'admin',
  summary: 'List the webhooks events are POSTed to',
  input: z.object({}).strict(),
  format: targetTable('URL'),
});

export const webhookAddCall = defineCall({
  name: 'webhook_add',
  method: 'POST',
  access: 'admin',
  summary: 'Add a webhook: events are POSTed to a URL, signed',
  description:
    'Each POST carries X-Debyard-Signature: sha256=<HMAC-SHA256 of the body with the secret>, X-Debyard-Event and X-Debyard-Delivery. A receiver that fails or is down gets the delivery again with exponential backoff (in event order); the deliveries call shows the log. The secret is generated unless given, and shown only now.',
  input: z
    .object({
      url: z.string().max(2000).describe('http:// or https:// URL of the receiver'),
      secret: z
        .string()
        .min(16, 'must be at least 16 characters')
        .max(200)
        .optional()
        .describe('the HMAC key (default: a random one, shown in the answer)'),
      ...filters,
    })
    .strict(),
  positional: ['url'],
  format: (w: TargetView & { secret: string }) =>
    `webhook ${w.id} added for ${w.address}\nsecret (shown once): ${w.secret}`,
  examples: [
    [
      'debyard webhook-add https://ci.example.org/debyard --events INSTALLED,FAILED',
      'tell CI about installs and failures',
    ],
  ],
});

export const webhookRemoveCall = defineCall({
  name: 'webhook_remove',
  method: 'POST',
  access: 'admin',
  summary: 'Remove a webhook (its pending deliveries are dropped)',
  input: z.object({ id: id('webhook') }).strict(),
  positional: ['id'],
  format: (w: TargetView) => `webhook ${w.id} (${w.address}) removed`,
});

export const subscriptionsCall = defineCall({
  name: 'subscriptions',
  method: 'GET',
  access: 'admin',
  summary: 'List the email subscriptions to events',
  input: z.object({}).strict(),
  format: targetTable('ADDRESS'),
});

export const subscriptionAddCall = defineCall({
  name: 'subscription_add',
  method: 'POST',
  access: 'admin',
  summary: 'Subscribe an email address to events',
  description: "Needs notify.smtp_url in the daemon's settings.",
  input: z
    .object({
      address: z.string().email('must be an email address').describe('who gets the mail'),
      ...filters,
    })
    .strict(),
  positional: ['address'],
  format: (s: TargetView) => `subscription ${s.id} added for ${s.address}`,
  examples: [['debyard subscription-add dev@example.org --events FAILED', 'mail build failures']],
});

export const subscriptionRemoveCall = defineCall({
  name: 'subscription_remove',
  method: 'POST',
  access: 'admin',
  summary: 'Remove an email subscription',
  input: z.object({ id: id('subscription') }).strict(),
  positional: ['id'],
  format: (s: TargetView) => `subscription ${s.id} (${s.address}) removed`,
});

export const deliveriesCall = defineCall({
  name: 'deliveries',
  method: 'GET',
  access: 'admin',
  summary: 'The delivery log of webhooks and emails, newest first',
  input: z
    .object({
      target: queryInt(1).optional().describe('only this webhook or subscription id'),
      state: z
        .enum(['pending', 'delivered', 'failed'])
        .optional()
        .describe('pending, delivered or failed'),
      limit: queryInt(1, 1000).default(100).describe('at most this many'),
    })
    .strict(),
  format: (list: DeliveryView[]) =>
    list.length === 0
      ? 'no deliveries'
      : formatTable(list, [
          { header: 'ID', value: (d) => d.id, right: true },
          { header: 'TARGET', value: (d) => d.target, right: true },
          { header: 'EVENT', value: (d) => d.event, right: true },
          { header: 'STATE', value: (d) => d.state },
          { header: 'TRIES', value: (d) => d.attempts, right: true },
          { header: 'LAST', value: (d) => d.lastError ?? d.lastStatus ?? '' },
        ]),
});
