import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiClient } from '../../src/api/client.js';
import { eventsCall } from '../../src/api/specs/events.js';
import type { StoredEvent } from '../../src/events/event.js';
import { dataOf, openSse, startTestDaemon, tempDir } from '../fixtures/index.js';

describe('events follow (Server-Sent Events)', () => {
  it('sends the recent backlog, then matching events in order, and resumes after Last-Event-ID', async () => {
    const daemon = await startTestDaemon(path.join(tempDir(), 'home'));
    try {
      const emit = (type: 'BUILT' | 'FAILED', message: string, source = 'hello') =>
        daemon.events.emit({ type, message, source });
      emit('BUILT', 'old 1');
      emit('FAILED', 'old failure');
      emit('BUILT', 'old 2');
      const url = `${daemon.url}/api/v1/events?follow=true&type=BUILT&source=hello&limit=2`;
      const stream = await openSse(url);
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(dataOf(await stream.waitFor(2)).map((e) => e.message)).toEqual(['old 1', 'old 2']);

      for (let i = 0; i < 30; i++)
        emit(i % 3 === 0 ? 'FAILED' : 'BUILT', `live ${i}`, i % 5 === 0 ? 'other' : 'hello');
      const expected = Array.from({ length: 30 }, (_, i) => i)
        .filter((i) => i % 3 !== 0 && i % 5 !== 0)
        .map((i) => `live ${i}`);
      const live = dataOf(await stream.waitFor(2 + expected.length)).slice(2);
      expect(live.map((e) => e.message)).toEqual(expected);
      const ids = stream.messages.map((m) => Number(m.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(ids).toEqual(dataOf(stream.messages).map((e) => e.id));
      stream.close();

      const lastSeen = stream.messages.at(-1)!.id!;
      emit('BUILT', 'missed 1');
      emit('FAILED', 'missed failure');
      emit('BUILT', 'missed 2');
      const resumed = await openSse(url, { 'last-event-id': lastSeen });
      expect(dataOf(await resumed.waitFor(2)).map((e) => e.message)).toEqual([
        'missed 1',
        'missed 2',
      ]);
      emit('BUILT', 'after resume');
      expect(dataOf(await resumed.waitFor(3))[2].message).toBe('after resume');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(resumed.messages).toHaveLength(3);
    } finally {
      await daemon.stop();
    }
  });

  it('keeps id order when events are published out of order, and sends each once', async () => {
    const daemon = await startTestDaemon(path.join(tempDir(), 'home'));
    try {
      const stream = await openSse(
        `${daemon.url}/api/v1/events?follow=true&type=INSTALLED&after=0`,
      );
      // As two services would: both committed, the later one published first.
      const log = daemon.events;
      const first = log.record({ type: 'INSTALLED', message: 'first' });
      const second = log.record({ type: 'INSTALLED', message: 'second' });
      log.publish(second);
      log.publish(first);
      expect(dataOf(await stream.waitFor(2)).map((e) => e.message)).toEqual(['first', 'second']);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(stream.messages).toHaveLength(2);
    } finally {
      await daemon.stop();
    }
  });

  it('ends open streams promptly when the daemon stops', async () => {
    const daemon = await startTestDaemon(path.join(tempDir(), 'home'));
    const stream = await openSse(`${daemon.url}/api/v1/events?follow=true`);
    await stream.waitFor(1); // the start event
    const started = Date.now();
    await daemon.stop();
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(1500);
    expect(dataOf(stream.messages).map((e) => e.message)).toContain('debyard stopping');
  });

  it('follows through the API client, resuming across a daemon restart', async () => {
    const home = path.join(tempDir(), 'home');
    let daemon = await startTestDaemon(home, {
      http: { listen: { host: '127.0.0.1', port: 0 }, publicUrl: null },
    });
    const port = daemon.http.port;
    const seen: StoredEvent[] = [];
    const controller = new AbortController();
    const client = new ApiClient({ server: daemon.url });
    const following = client.stream(
      eventsCall,
      { follow: true, limit: 1, type: ['DAEMON', 'BUILT'] },
      (event) => seen.push(event),
      { signal: controller.signal, reconnect: true },
    );
    try {
      await until(() => seen.length >= 1);
      daemon.events.emit({ type: 'BUILT', message: 'before restart' });
      await until(() => seen.some((e) => e.message === 'before restart'));
      await daemon.stop();
      daemon = await startTestDaemon(home, {
        http: { listen: { host: '127.0.0.1', port }, publicUrl: null },
      });
      daemon.events.emit({ type: 'BUILT', message: 'after restart' });
      await until(() => seen.some((e) => e.message === 'after restart'), 10_000);
      const messages = seen.map((e) => e.message);
      expect(messages.slice(1)).toEqual([
        'before restart',
        'debyard stopping',
        `debyard ${messages[0]!.split(' ')[1]} started`,
        'after restart',
      ]);
      expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
    } finally {
      await daemon.stop();
      controller.abort();
      await following;
    }
  });
});

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
