import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import {
  adminToken,
  api,
  persistentTempDir,
  startTestDaemon,
  WebhookReceiver,
} from '../../fixtures/index.js';
import { rmSync } from 'node:fs';

const DIST = 'bookworm-test-unstable';

describe('webhooks', () => {
  const dir = persistentTempDir('debyard-webhooks-');
  const home = path.join(dir, 'home');
  const receiver = new WebhookReceiver();
  let daemon: Daemon | undefined;
  afterAll(async () => {
    await daemon?.stop();
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const snapshot = async (name: string, token: string) => {
    const answer = await api(daemon!.url, 'snapshot_create', {
      method: 'POST',
      token,
      input: { distribution: DIST, name },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  };
  const latestEvent = () => daemon!.events.list({ limit: 1 })[0]!.id;

  it('get every event, signed, in order, also after the receiver was down (and the daemon restarted)', async () => {
    daemon = await startTestDaemon(home);
    let token = await adminToken(daemon);
    await receiver.start();
    const added = await api(daemon.url, 'webhook_add', {
      method: 'POST',
      token,
      input: { url: receiver.url },
    });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ id: 1, address: receiver.url, events: [], pending: 0 });
    receiver.secret = added.body.secret as string;
    expect(receiver.secret).toMatch(/^[0-9a-f]{48}$/);
    const since = latestEvent();

    await snapshot('one', token);
    await receiver.waitFor(latestEvent());

    // Down: deliveries fail and are retried with backoff, the later ones wait in order.
    await receiver.stop();
    await snapshot('two', token);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const pending = await api(daemon.url, 'deliveries', { token, input: { state: 'pending' } });
    expect(pending.body.length).toBeGreaterThan(0);
    const head = pending.body.at(-1);
    expect(head.attempts).toBeGreaterThanOrEqual(1);
    expect(head.lastError).toBe(`POST ${receiver.url} failed: ECONNREFUSED`);

    // The daemon restarts while the receiver is still down; nothing is lost.
    await daemon.stop();
    daemon = await startTestDaemon(home);
    token = await adminToken(daemon);
    await snapshot('three', token);
    await receiver.start();
    await receiver.waitFor(latestEvent());

    const expected = daemon.events
      .list({ afterId: since, limit: 1000 })
      .map((e) => e.id)
      .filter((id) => id <= latestEvent());
    const got = receiver.received.filter((r) => r.url === '/hook').map((r) => r.event.id);
    // From `since` on (the webhook_add call's own AUDIT event, just before, may come too).
    expect(got.filter((id) => id > since && id <= expected.at(-1)!)).toEqual(expected);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
    const types = receiver.received.map((r) => r.event.type);
    expect(types).toEqual(expect.arrayContaining(['SNAPSHOT', 'PUBLISHED', 'DAEMON']));
    const first = receiver.received[0]!;
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['x-debyard-event']).toBe(first.event.type);
    expect(first.headers['user-agent']).toMatch(/^debyard\/\S+ \(testyard\)$/);
    const log = await api(daemon.url, 'deliveries', { token, input: { target: 1 } });
    expect(log.body.every((d: { state: string }) => d.state === 'delivered')).toBe(true);
  }, 60_000);

  it('filter by event type, and stop when removed', async () => {
    const token = await adminToken(daemon!);
    const filtered = await api(daemon!.url, 'webhook_add', {
      method: 'POST',
      token,
      input: {
        url: `${receiver.url}?only=snapshots`,
        events: ['SNAPSHOT'],
        secret: receiver.secret,
      },
    });
    expect(filtered.body.events).toEqual(['SNAPSHOT']);
    await snapshot('four', token);
    await receiver.waitFor(latestEvent());
    await new Promise((resolve) => setTimeout(resolve, 300));
    const only = receiver.received.filter((r) => r.url === '/hook?only=snapshots');
    expect(only.map((r) => r.event.type)).toEqual(['SNAPSHOT']);
    const list = await api(daemon!.url, 'webhooks', { token });
    expect(list.body.map((w: { id: number }) => w.id)).toEqual([1, filtered.body.id]);
    const removed = await api(daemon!.url, 'webhook_remove', {
      method: 'POST',
      token,
      input: { id: filtered.body.id },
    });
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);
    const log = await api(daemon!.url, 'deliveries', {
      token,
      input: { target: filtered.body.id },
    });
    expect(log.status).toBe(404);
    expect(log.body.detail).toBe(`there is no webhook or subscription ${filtered.body.id}`);
  });
});
