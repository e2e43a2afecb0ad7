import express from 'express';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createApiRouter,
  implement,
  invokeCall,
  type CallContext,
  type Principal,
} from '../../../src/api/api-router.js';
import { defineCall, queryBoolean } from '../../../src/api/call.js';
import { AppError, ConflictError } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { body, serve } from '../../fixtures/index.js';

const echo = defineCall({
  name: 'echo',
  method: 'GET',
  access: 'anonymous',
  summary: 'echo',
  input: z
    .object({ word: z.string().min(2, 'at least 2 characters'), loud: queryBoolean.optional() })
    .strict(),
});
const change = defineCall({
  name: 'change',
  method: 'POST',
  access: 'staff',
  summary: 'change',
  input: z.object({ n: z.number().int() }).strict(),
});
const clash = defineCall({
  name: 'clash',
  method: 'POST',
  access: 'anonymous',
  summary: 'c',
  input: z.object({}),
});
const crash = defineCall({
  name: 'crash',
  method: 'GET',
  access: 'anonymous',
  summary: 'c',
  input: z.object({}),
});

async function api(principal: Principal) {
  const app = express();
  app.use(
    '/api/v1',
    createApiRouter({
      implementations: [
        implement(echo, ({ word, loud }) => ({ word: loud ? word.toUpperCase() : word })),
        implement(change, ({ n }) => ({ doubled: n * 2 })),
        implement(clash, () => {
          throw new ConflictError('hello 1.0 is already installed');
        }),
        implement(crash, () => {
          throw new TypeError('undefined is not a function');
        }),
      ],
      authenticate: () => principal,
      logger: silentLogger,
    }),
  );
  return serve(app);
}

const anonymous: Principal = { user: null, role: 'anonymous' };

describe('API router', () => {
  it('validates GET input from the query string', async () => {
    const base = await api(anonymous);
    expect(await body(await fetch(`${base}/api/v1/echo?word=hey&loud=true`))).toEqual({
      word: 'HEY',
    });
    const bad = await fetch(`${base}/api/v1/echo?word=h&typo=1`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = await body(bad);
    expect(problem.detail).toBe(
      'invalid input for echo: word: at least 2 characters; typo: unknown parameter',
    );
  });

  it('answers 401 without credentials and 403 without the role', async () => {
    const base = await api(anonymous);
    const res = await fetch(`${base}/api/v1/change`, {
      method: 'POST',
      body: '{"n":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
    expect((await body(res)).detail).toMatch(/needs a logged-in user with role staff/);

    const loginBase = await api({ user: 'jo', role: 'login' });
    const denied = await fetch(`${loginBase}/api/v1/change`, {
      method: 'POST',
      body: '{"n":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(denied.status).toBe(403);
    expect((await body(denied)).detail).toBe('change needs role staff; user jo has role login');

    const staffBase = await api({ user: 'sam', role: 'admin' });
    const ok = await fetch(`${staffBase}/api/v1/change`, {
      method: 'POST',
      body: '{"n":21}',
      headers: { 'content-type': 'application/json' },
    });
    expect(await body(ok)).toEqual({ doubled: 42 });
  });

  it('turns bad JSON, unknown calls, wrong methods and errors into problems', async () => {
    const base = await api({ user: 'sam', role: 'admin' });
    const badJson = await fetch(`${base}/api/v1/change`, {
      method: 'POST',
      body: '{"n":',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.status).toBe(400);
    expect((await body(badJson)).detail).toMatch(/request body is not valid JSON/);

    const unknown = await fetch(`${base}/api/v1/nothing`);
    expect(unknown.status).toBe(404);
    expect((await body(unknown)).detail).toBe('there is no API call "nothing"');

    const wrongMethod = await fetch(`${base}/api/v1/echo`, { method: 'POST' });
    expect(wrongMethod.status).toBe(405);

    const conflict = await fetch(`${base}/api/v1/clash`, { method: 'POST' });
    expect(conflict.status).toBe(409);
    expect((await body(conflict)).detail).toBe('hello 1.0 is already installed');

    const internal = await fetch(`${base}/api/v1/crash`);
    expect(internal.status).toBe(500);
    expect((await body(internal)).code).toBe('internal');
  });
});

describe('invokeCall (web forms)', () => {
  const implementations = [implement(change, ({ n }) => ({ doubled: n * 2 }))];
  const context = (principal: Principal) =>
    ({ principal, signal: new AbortController().signal }) as unknown as CallContext;
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: AppError) => [error.code, error.fullMessage],
    );

  it('checks the role and validates the input as the HTTP route does', async () => {
    expect(
      await invokeCall(implementations, change, { n: 4 }, context({ user: 'sam', role: 'staff' })),
    ).toEqual({
      doubled: 8,
    });
    expect(
      await failure(invokeCall(implementations, change, { n: 4 }, context(anonymous))),
    ).toEqual(['unauthenticated', 'change needs a logged-in user with role staff; pass a token']);
    expect(
      await failure(
        invokeCall(implementations, change, { n: 4 }, context({ user: 'jo', role: 'login' })),
      ),
    ).toEqual(['permission', 'change needs role staff; user jo has role login']);
    expect(
      await failure(
        invokeCall(implementations, change, { n: 'x' }, context({ user: 'sam', role: 'admin' })),
      ),
    ).toEqual([
      'invalid_input',
      'invalid input for change\n  - n: Expected number, received string',
    ]);
  });
});
