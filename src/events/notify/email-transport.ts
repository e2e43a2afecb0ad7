import nodemailer from 'nodemailer';
import type { StoredEvent } from '../event.js';
import { TransportError, type Transport } from './transport.js';

/** The subject line of an event's email. */
export function emailSubject(identity: string, event: StoredEvent): string {
  const what = [event.source, event.version, event.distribution].filter(Boolean).join(' ');
  return `[debyard ${identity}] ${event.type}${what ? ` ${what}` : ''}`;
}

/** The plain-text body: the message, then every field of the event. */
export function emailBody(event: StoredEvent): string {
  const fields = Object.entries({ ...event, details: undefined })
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}: ${String(v)}`);
  return [
    event.message,
    '',
    ...fields,
    ...(Object.keys(event.details).length
      ? ['', 'details:', JSON.stringify(event.details, null, 2)]
      : []),
    '',
  ].join('\n');
}

/** Mails events to subscribers through an SMTP server (nodemailer). */
export function emailTransport(options: {
  smtpUrl: string;
  from: string;
  identity: string;
  timeoutMs: number;
}): Transport & { close(): void } {
  const transporter = nodemailer.createTransport({
    url: options.smtpUrl,
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  return {
    async send(target, event, delivery, signal) {
      signal.throwIfAborted();
      try {
        await transporter.sendMail({
          from: options.from,
          to: target.address,
          subject: emailSubject(options.identity, event),
          text: emailBody(event),
          headers: { 'X-Debyard-Event': event.type, 'X-Debyard-Delivery': String(delivery.id) },
        });
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode ?? null;
        throw new TransportError(
          `mail to ${target.address} failed: ${(error as Error).message}`,
          code,
        );
      }
      return { status: null };
    },
    close: () => transporter.close(),
  };
}
