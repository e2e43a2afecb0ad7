import { createHmac } from 'node:crypto';
import type { StoredEvent } from '../event.js';
import type { NotifyTarget } from './notify-store.js';
import { TransportError, type Transport } from './transport.js';

/** `sha256=<hex>`: the HMAC-SHA256 of the body with the webhook's secret. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * POSTs the event as JSON. Headers: X-Debyard-Event (its type), X-Debyard-Delivery (the
 * delivery id, the same on every retry) and X-Debyard-Signature. Any 2xx answer counts
 * as delivered; redirects are not followed.
 */
export function webhookTransport(options: { userAgent: string; timeoutMs: number }): Transport {
  return {
    async send(target: NotifyTarget, event: StoredEvent, delivery, signal) {
      const body = JSON.stringify(event);
      let response: Response;
      try {
        response = await fetch(target.address, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/json',
            'user-agent': options.userAgent,
            'x-debyard-event': event.type,
            'x-debyard-delivery': String(delivery.id),
            'x-debyard-signature': webhookSignature(target.secret ?? '', body),
          },
          body,
          signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason =
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${options.timeoutMs / 1000} s`
            : (cause?.code ?? cause?.message ?? (error as Error).message);
        throw new TransportError(`POST ${target.address} failed: ${reason}`);
      }
      await response.body?.cancel().catch(() => undefined);
      if (response.status < 200 || response.status > 299) {
        throw new TransportError(
          `POST ${target.address} answered ${response.status} ${response.statusText}`.trim(),
          response.status,
        );
      }
      return { status: response.status };
    },
  };
}
