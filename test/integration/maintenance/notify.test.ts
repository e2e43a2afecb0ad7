import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../../src/app/daemon.js';
import type { NotifyPart } from '../../../src/app/parts/notify-part.js';
import { openDatabase } from '../../../src/db/database.js';
import { EventsRepository } from '../../../src/db/events-repository.js';
import { NotifyRepository } from '../../../src/db/notify-repository.js';
import { applyRetention } from '../../../src/events/retention.js';
import { ManualClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import {
  adminToken,
  api,
  persistentTempDir,
  startTestDaemon,
  tempDir,
} from '../../fixtures/index.js';

interface Mail {
  from: string;
  to: string[];
  text: string;
}

/** A small SMTP server on loopback (no TLS, no auth) collecting what it is sent. */
async function smtpServer(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          text: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const waitUntil = async (check: () => boolean, what: string) => {
  const end = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe('hooks, email and metrics', () => {
  const dir = persistentTempDir('debyard-notify-');
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  let daemon: Daemon;
  let token: string;
  const out = path.join(dir, 'hook-output');

  beforeAll(async () => {
    smtp = await smtpServer();
    const home = path.join(dir, 'home');
    const hooks = path.join(home, 'hooks');
    mkdirSync(hooks, { recursive: true });
    const hook = (name: string, script: string, mode = 0o755) => {
      writeFileSync(path.join(hooks, name), `#!/bin/sh\n${script}\n`);
      chmodSync(path.join(hooks, name), mode);
    };
    hook('10-slow', 'test "$DEBYARD_EVENT_TYPE" = SNAPSHOT && exec sleep 30; exit 0');
    hook('20-record', `{ echo "$DEBYARD_EVENT_TYPE $DEBYARD_EVENT_ID"; cat; } >> ${out}`);
    hook('30-not-executable', `echo never >> ${out}`, 0o644);
    hook('40-backup.dpkg-old', `echo never >> ${out}`);
    daemon = await startTestDaemon(home, {
      notify: {
        hookTimeoutMs: 1000,
        webhookTimeoutMs: 5000,
        webhookRetryMs: 200,
        webhookRetryMaxMs: 1000,
        webhookAttempts: 3,
        smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
        emailFrom: 'builds@example.org',
      },
    });
    token = await adminToken(daemon);
  });
  afterAll(async () => {
    await daemon?.stop();
    await smtp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const notify = () => daemon.parts.find((p) => p.name === 'notify') as NotifyPart;

  it('run executable hooks with the event as JSON, killing one past its time limit', async () => {
    const taken = await api(daemon.url, 'snapshot_create', {
      method: 'POST',
      token,
      input: { distribution: 'bookworm-test-unstable', name: 'hooked' },
    });
    expect(taken.status).toBe(200);
    const [event] = daemon.events.list({ types: ['SNAPSHOT'], limit: 1 });
    // 10-slow sleeps 30 s on SNAPSHOT events: 20-record runs only once it was killed.
    await waitUntil(
      () => readFileSync(out, { encoding: 'utf8', flag: 'a+' }).includes(`SNAPSHOT ${event!.id}\n`),
      'the hook',
    );
    await notify().hooks.idle();
    const text = readFileSync(out, 'utf8');
    const line = text.split('\n').findIndex((l) => l === `SNAPSHOT ${event!.id}`);
    expect(JSON.parse(text.split('\n')[line + 1]!)).toEqual(event);
    expect(text).not.toContain('never');
  });

  it('mail subscribers the events they asked for', async () => {
    const added = await api(daemon.url, 'subscription_add', {
      method: 'POST',
      token,
      input: { address: 'dev@example.org', events: 'SNAPSHOT' },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    await api(daemon.url, 'snapshot_create', {
      method: 'POST',
      token,
      input: { distribution: 'bookworm-test-unstable', name: 'mailed' },
    });
    await waitUntil(() => smtp.mails.length > 0, 'the mail');
    const [mail] = smtp.mails;
    expect(mail!.from).toBe('builds@example.org');
    expect(mail!.to).toEqual(['dev@example.org']);
    expect(mail!.text).toMatch(/^Subject: \[debyard testyard\] SNAPSHOT bookworm-test-unstable$/m);
    expect(mail!.text).toContain('snapshot mailed of bookworm-test-unstable taken');
    expect(smtp.mails).toHaveLength(1);
    const list = await api(daemon.url, 'subscriptions', { token });
    expect(list.body).toMatchObject([{ address: 'dev@example.org', events: ['SNAPSHOT'] }]);
  });

  it('serve /metrics in the Prometheus text format', async () => {
    const response = await fetch(`${daemon.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('# TYPE debyard_uploads_total counter');
    expect(text).toContain('debyard_uploads_total{result="accepted"} 0');
    expect(text).toContain('debyard_uploads_total{result="rejected"} 0');
    expect(text).toContain('debyard_builds_total{result="failed"} 0');
    expect(text).toContain('debyard_build_queue_length 0');
    expect(text).toContain('# TYPE debyard_build_duration_seconds histogram');
    expect(text).toMatch(/^debyard_publish_duration_seconds_count [1-9]\d*$/m);
    expect(text).toMatch(/^debyard_events_total\{type="SNAPSHOT"\} 2$/m);
    expect(text).toMatch(/^debyard_process_resident_memory_bytes \d+$/m);
  });
});

describe('retention', () => {
  it('expires old events, finished deliveries and build folders, not running builds', async () => {
    const dir = tempDir();
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const db = openDatabase(path.join(dir, 'db'), { logger: silentLogger });
    try {
      const events = new EventsRepository(db);
      const notify = new NotifyRepository(db);
      events.append({ type: 'DAEMON', message: 'old' }, new Date('2025-11-01T00:00:00Z'));
      events.append({ type: 'DAEMON', message: 'recent' }, new Date('2025-12-30T00:00:00Z'));
      const old = new Date('2025-11-01T00:00:00Z');
      const target = notify.addTarget({
        ...{ kind: 'webhook', address: 'http://127.0.0.1:9/', secret: 'secret' },
        ...{ eventTypes: [], source: null, repository: null, createdAt: old.toISOString() },
        createdBy: null,
      });
      notify.enqueue([{ targetId: target.id, eventId: 1 }], 1, old);
      const [delivery] = notify.deliveries({ limit: 1 });
      notify.recordAttempt(delivery!.id, { state: 'delivered', status: 204, error: null }, old);
      const builds = path.join(dir, 'builds');
      for (const [name, date] of [
        ['1', '2025-11-01T00:00:00Z'],
        ['2', '2025-12-31T00:00:00Z'],
      ] as const) {
        mkdirSync(path.join(builds, name), { recursive: true });
        writeFileSync(path.join(builds, name, 'build.log'), 'log');
        const time = new Date(date);
        utimesSync(path.join(builds, name, 'build.log'), time, time);
        utimesSync(path.join(builds, name), time, time);
      }
      const run = (eventsDays: number, buildLogsDays: number) =>
        applyRetention({
          deleteEventsBefore: (before) => events.deleteBefore(before),
          pruneDeliveries: (before) => notify.pruneDeliveries(before),
          buildsDir: builds,
          clock,
          logger: silentLogger,
          settings: { eventsDays, buildLogsDays },
        });
      // Events and builds are kept for ever; the delivery log 30 days.
      expect(await run(0, 0)).toEqual({ events: 0, deliveries: 1, builds: 0 });
      expect(await run(30, 30)).toEqual({ events: 1, deliveries: 0, builds: 1 });
      expect(events.list({}).map((e) => e.message)).toEqual(['recent']);
      expect(existsSync(path.join(builds, '1'))).toBe(false);
      expect(existsSync(path.join(builds, '2', 'build.log'))).toBe(true);
    } finally {
      db.close();
    }
  });
});
