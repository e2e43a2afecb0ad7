import express from 'express';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ANONYMOUS, createApiRouter, implement } from '../../../src/api/api-router.js';
import { defineCall, queryBoolean, queryInt } from '../../../src/api/call.js';
import { ApiClient } from '../../../src/api/client.js';
import { AppError, ConflictError } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { body, dataOf, openSse, serve } from '../../fixtures/index.js';

const ticks = defineCall({
  name: 'ticks',
  method: 'GET',
  access: 'anonymous',
  summary: 'count',
  input: z.object({ n: queryInt(0, 10), follow: queryBoolean.default(false) }).strict(),
  stream: { flag: 'follow', formatItem: (t: { tick: number }) => `tick ${t.tick}` },
});

async function app(): Promise<string> {
  const server = express();
  server.use(
    '/api/v1',
    createApiRouter({
      implementations: [
        implement(
          ticks,
          ({ n }) => ({ count: n }),
          async ({ n }, _context, sink) => {
            const from = Number(sink.lastEventId ?? 0);
            for (let tick = from + 1; tick <= n; tick++) sink.send({ tick }, tick);
            if (n > 5) throw new ConflictError(`cannot count past 5, asked for ${n}`);
          },
        ),
      ],
      authenticate: () => ANONYMOUS,
      logger: silentLogger,
    }),
  );
  return serve(server);
}

describe('streaming calls', () => {
  it('answers with one document, or with Server-Sent Events when the flag is set', async () => {
    const base = await app();
    expect(await body(await fetch(`${base}/api/v1/ticks?n=3`))).toEqual({ count: 3 });
    const stream = await openSse(`${base}/api/v1/ticks?n=3&follow=true`);
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    await stream.ended;
    expect(stream.messages.map((m) => [m.id, m.data])).toEqual([
      ['1', '{"tick":1}'],
      ['2', '{"tick":2}'],
      ['3', '{"tick":3}'],
    ]);
    const resumed = await openSse(`${base}/api/v1/ticks?n=4&follow=true`, { 'last-event-id': '2' });
    await resumed.ended;
    expect(dataOf(resumed.messages)).toEqual([{ tick: 3 }, { tick: 4 }]);
  });

  it('validates before streaming, and reports a failure inside the stream as a problem', async () => {
    const base = await app();
    const bad = await fetch(`${base}/api/v1/ticks?n=11&follow=true`);
    expect(bad.status).toBe(400);
    expect((await body(bad)).detail).toBe('invalid input for ticks: n: must be at most 10');
    const stream = await openSse(`${base}/api/v1/ticks?n=6&follow=true`);
    await stream.ended;
    expect(stream.messages.at(-1)).toMatchObject({ event: 'problem' });
    expect(JSON.parse(stream.messages.at(-1)!.data)).toMatchObject({
      status: 409,
      detail: 'cannot count past 5, asked for 6',
    });

    const seen: number[] = [];
    const client = new ApiClient({ server: base });
    const failure = await client
      .stream(ticks, { n: 6, follow: true }, (t) => seen.push(t.tick))
      .catch((error: unknown) => error);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe('conflict');
    expect((failure as AppError).message).toBe('cannot count past 5, asked for 6');
  });

  it('refuses definitions whose stream flag is no input, and streaming calls without a streamer', () => {
    expect(() =>
      defineCall({
        name: 'broken',
        method: 'GET',
        access: 'anonymous',
        summary: 'x',
        input: z.object({}),
        stream: { flag: 'follow' },
      }),
    ).toThrow('call broken streams on --follow, which is not an input');
    expect(() =>
      createApiRouter({
        implementations: [implement(ticks, ({ n }) => ({ count: n }))],
        authenticate: () => ANONYMOUS,
        logger: silentLogger,
      }),
    ).toThrow('ticks needs a streamer');
  });
});
