import { notificationRoutes } from '../../api/routers/notifications-router.js';
import type { ArchiveConfig } from '../../archive/archive-config.js';
import { EventsRepository } from '../../db/events-repository.js';
import { NotifyRepository } from '../../db/notify-repository.js';
import { Metrics } from '../../events/metrics.js';
import { Dispatcher } from '../../events/notify/dispatcher.js';
import { emailTransport } from '../../events/notify/email-transport.js';
import { EventHooks } from '../../events/notify/event-hooks.js';
import { NotifyTargets } from '../../events/notify/targets.js';
import { webhookTransport } from '../../events/notify/webhook-transport.js';
import { applyRetention } from '../../events/retention.js';
import { LocalRunner } from '../../exec/local-runner.js';
import { describeError } from '../../shared/errors.js';
import { createMetricsRouter } from '../../web/metrics-router.js';
import type { AppContext, DaemonPart } from '../part.js';

export interface NotifyPart extends DaemonPart {
  dispatcher: Dispatcher;
  hooks: EventHooks;
  metrics: Metrics;
}

export interface NotifyPartDeps {
  archiveConfig: ArchiveConfig;
  /** Builds waiting for a builder (the scheduler's queue). */
  queueLength: () => number;
  /** Days until each signing archive key expires (the metrics gauge). */
  keyDaysLeft?: () => { fingerprint: string; days: number }[];
}

const DAY = 86_400_000;

/**
 * Everything that follows the event stream outward: executable hooks in the home,
 * webhooks and email (durable deliveries with retries), `/metrics`, and the daily expiry
 * of old events, deliveries and build logs.
 */
export function notifyPart(ctx: AppContext, deps: NotifyPartDeps): NotifyPart {
  const { settings, events, clock } = ctx;
  const logger = ctx.logger.child({ module: 'notify' });
  const store = new NotifyRepository(ctx.db);
  const { notify } = settings;
  const email = notify.smtpUrl
    ? emailTransport({
        smtpUrl: notify.smtpUrl,
        from: notify.emailFrom,
        identity: settings.identity,
        timeoutMs: notify.webhookTimeoutMs,
      })
    : undefined;
  const dispatcher = new Dispatcher({
    store,
    events,
    transports: {
      webhook: webhookTransport({
        userAgent: `debyard/${ctx.info.version} (${settings.identity})`,
        timeoutMs: notify.webhookTimeoutMs,
      }),
      ...(email ? { email } : {}),
    },
    clock,
    logger,
    options: {
      retryMs: notify.webhookRetryMs,
      retryMaxMs: notify.webhookRetryMaxMs,
      attempts: notify.webhookAttempts,
    },
  });
  const hooks = new EventHooks({
    dir: ctx.layout.hooks,
    events,
    runner: new LocalRunner(),
    logger: logger.child({ module: 'hooks' }),
    timeoutMs: notify.hookTimeoutMs,
  });
  const metrics = new Metrics({
    events,
    queueLength: deps.queueLength,
    pendingNotifications: () => store.pendingCount(),
    keyDaysLeft: deps.keyDaysLeft,
  });
  const targets = new NotifyTargets({
    store,
    clock,
    hasRepository: (id) => deps.archiveConfig.hasRepository(id),
    emailEnabled: email !== undefined,
    changed: () => dispatcher.wake(),
  });
  const eventsStore = new EventsRepository(ctx.db);
  const retention = () =>
    applyRetention({
      deleteEventsBefore: (before) => eventsStore.deleteBefore(before),
      pruneDeliveries: (before) => store.pruneDeliveries(before),
      buildsDir: ctx.layout.builds,
      clock,
      logger,
      settings: settings.retention,
    }).catch((error) => logger.error('expiring old data failed', { error: describeError(error) }));
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'notify',
    dispatcher,
    hooks,
    metrics,
    calls: notificationRoutes({ targets }),
    routers: [
      createMetricsRouter({ text: () => metrics.text(), contentType: metrics.contentType }),
    ],
    start() {
      metrics.start();
      hooks.start();
      dispatcher.start();
      void retention();
      timer = setInterval(() => void retention(), DAY);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      metrics.stop();
      await Promise.all([hooks.stop(), dispatcher.stop()]);
      email?.close();
    },
  };
}
