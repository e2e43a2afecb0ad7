import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { InvalidInputError, NotFoundError } from '../../shared/errors.js';
import type { EventType } from '../event.js';
import type {
  Delivery,
  DeliveryState,
  NotifyStore,
  NotifyTarget,
  TargetKind,
} from './notify-store.js';

export interface TargetFilters {
  /** Only these event types; none: all. */
  events?: EventType[];
  source?: string;
  repository?: string;
}

export interface NotifyTargetsDeps {
  store: NotifyStore;
  clock: Clock;
  hasRepository(id: string): boolean;
  /** Whether email can be sent (an SMTP server is configured). */
  emailEnabled: boolean;
  /** Called after a target was added (the dispatcher looks for work). */
  changed?: () => void;
}

const NAME: Record<TargetKind, string> = { webhook: 'webhook', email: 'subscription' };

/** Adds, lists and removes webhooks and email subscriptions; shows the delivery log. */
export class NotifyTargets {
  constructor(private readonly deps: NotifyTargetsDeps) {}

  addWebhook(
    input: TargetFilters & { url: string; secret?: string },
    by: string | null,
  ): NotifyTarget {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw new InvalidInputError(`"${input.url}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidInputError(`a webhook URL is http:// or https://, not ${url.protocol}//`);
    }
    const secret = input.secret ?? randomBytes(24).toString('hex');
    return this.add('webhook', url.href, secret, input, by);
  }

  addSubscription(input: TargetFilters & { address: string }, by: string | null): NotifyTarget {
    if (!this.deps.emailEnabled) {
      throw new InvalidInputError(
        'email notifications are off: set notify.smtp_url in the configuration first',
      );
    }
    return this.add('email', input.address, null, input, by);
  }

  list(kind: TargetKind): NotifyTarget[] {
    return this.deps.store.targets(kind);
  }

  get(kind: TargetKind, id: number): NotifyTarget {
    const target = this.deps.store.target(id);
    if (!target || target.kind !== kind) throw new NotFoundError(`there is no ${NAME[kind]} ${id}`);
    return target;
  }

  remove(kind: TargetKind, id: number): NotifyTarget {
    const target = this.get(kind, id);
    this.deps.store.removeTarget(id);
    return target;
  }

  deliveries(filter: { targetId?: number; state?: DeliveryState; limit?: number }): Delivery[] {
    if (filter.targetId !== undefined && !this.deps.store.target(filter.targetId)) {
      throw new NotFoundError(`there is no webhook or subscription ${filter.targetId}`);
    }
    return this.deps.store.deliveries({ ...filter, limit: filter.limit ?? 100 });
  }

  private add(
    kind: TargetKind,
    address: string,
    secret: string | null,
    filters: TargetFilters,
    by: string | null,
  ): NotifyTarget {
    if (filters.repository !== undefined && !this.deps.hasRepository(filters.repository)) {
      throw new NotFoundError(`there is no repository "${filters.repository}"`);
    }
    const target = this.deps.store.addTarget({
      kind,
      address,
      secret,
      eventTypes: [...new Set(filters.events ?? [])],
      source: filters.source ?? null,
      repository: filters.repository ?? null,
      createdAt: this.deps.clock.now().toISOString(),
      createdBy: by,
    });
    this.deps.changed?.();
    return target;
  }
}
