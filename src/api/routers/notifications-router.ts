import type { Delivery, NotifyTarget } from '../../events/notify/notify-store.js';
import type { NotifyTargets } from '../../events/notify/targets.js';
import { implement, type CallImplementation } from '../api-router.js';
import {
  deliveriesCall,
  subscriptionAddCall,
  subscriptionRemoveCall,
  subscriptionsCall,
  webhookAddCall,
  webhookRemoveCall,
  webhooksCall,
  type DeliveryView,
  type TargetView,
} from '../specs/notifications.js';

export interface NotificationRoutesDeps {
  targets: NotifyTargets;
}

/** Webhooks, email subscriptions and their delivery log (admin). */
export function notificationRoutes(deps: NotificationRoutesDeps): CallImplementation[] {
  const { targets } = deps;
  const pending = (id: number) => targets.deliveries({ targetId: id, state: 'pending' }).length;
  const view = (t: NotifyTarget): TargetView => ({
    id: t.id,
    address: t.address,
    events: t.eventTypes,
    source: t.source,
    repository: t.repository,
    createdAt: t.createdAt,
    createdBy: t.createdBy,
    pending: pending(t.id),
  });
  const removed = (kind: 'webhook' | 'email', id: number) => {
    const shown = view(targets.get(kind, id));
    targets.remove(kind, id);
    return shown;
  };
  const filters = (input: { events?: TargetView['events']; source?: string; repo?: string }) => ({
    events: input.events as NotifyTarget['eventTypes'] | undefined,
    source: input.source,
    repository: input.repo,
  });
  return [
    implement(webhooksCall, () => targets.list('webhook').map(view)),
    implement(webhookAddCall, (input, { principal }) => {
      const added = targets.addWebhook(
        { url: input.url, secret: input.secret, ...filters(input) },
        principal.user,
      );
      return { ...view(added), secret: added.secret! };
    }),
    implement(webhookRemoveCall, (input) => removed('webhook', input.id)),
    implement(subscriptionsCall, () => targets.list('email').map(view)),
    implement(subscriptionAddCall, (input, { principal }) =>
      view(targets.addSubscription({ address: input.address, ...filters(input) }, principal.user)),
    ),
    implement(subscriptionRemoveCall, (input) => removed('email', input.id)),
    implement(deliveriesCall, (input) =>
      targets
        .deliveries({ targetId: input.target, state: input.state, limit: input.limit })
        .map(deliveryView),
    ),
  ];
}

function deliveryView(d: Delivery): DeliveryView {
  return {
    id: d.id,
    target: d.targetId,
    event: d.eventId,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    updatedAt: d.updatedAt,
  };
}
