import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Daemon } from '../../src/app/daemon.js';
import type { CallSpec } from '../../src/api/call.js';
import { ALL_CALLS } from '../../src/api/specs/index.js';
import {
  adminToken,
  api,
  persistentTempDir,
  startTestDaemon,
  userWithToken,
} from '../fixtures/index.js';

// One table over every call of ALL_CALLS: 401 without credentials, 403 below the role,
// 400 naming the field for an unknown parameter and for a missing required one.
// Costs about 3 s: one daemon, ~250 requests; no call gets past validation.
let daemon: Daemon;
let tokens: Record<'admin' | 'login' | 'staff', string>;

beforeAll(async () => {
  daemon = await startTestDaemon(path.join(persistentTempDir(), 'home'));
  const admin = await adminToken(daemon);
  tokens = {
    admin,
    login: (await userWithToken(daemon, admin, 'lou', 'login')).token,
    staff: (await userWithToken(daemon, admin, 'stan', 'staff')).token,
  };
});
afterAll(() => daemon?.stop());

const call = (spec: CallSpec, input: Record<string, unknown>, token?: string) =>
  api(daemon.url, spec.name, { method: spec.method, input, token });

/** The call's input object, under .refine()/.describe() wrappers. */
function shapeOf(spec: CallSpec): z.ZodRawShape {
  let schema: z.ZodTypeAny = spec.input;
  while (schema instanceof z.ZodEffects) schema = schema.innerType();
  if (!(schema instanceof z.ZodObject)) throw new Error(`${spec.name}: input is not an object`);
  return schema.shape as z.ZodRawShape;
}

/** Fields without a default that the call cannot do without. */
function requiredFields(spec: CallSpec): string[] {
  return Object.entries(shapeOf(spec))
    .filter(([, field]) => !field.isOptional())
    .map(([name]) => name);
}

const below = (access: string): ('login' | 'staff')[] =>
  access === 'admin' ? ['login', 'staff'] : access === 'staff' ? ['login'] : [];

describe.each(ALL_CALLS.map((spec) => [spec.name, spec] as const))('%s', (name, spec) => {
  if (spec.access !== 'anonymous') {
    it(`answers 401 without credentials (needs ${spec.access})`, async () => {
      const answer = await call(spec, {});
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({
        status: 401,
        code: 'unauthenticated',
        detail: `${name} needs a logged-in user with role ${spec.access}; pass a token`,
      });
    });
  }
  for (const role of below(spec.access)) {
    it(`answers 403 to a ${role} user (needs ${spec.access})`, async () => {
      const answer = await call(spec, {}, tokens[role]);
      expect(answer.status).toBe(403);
      const user = role === 'login' ? 'lou' : 'stan';
      expect(answer.body.detail).toBe(
        `${name} needs role ${spec.access}; user ${user} has role ${role}`,
      );
    });
  }
  it('answers 400 naming an unknown parameter', async () => {
    const answer = await call(spec, { no_such_field: 'x' }, tokens.admin);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('invalid_input');
    expect(answer.body.detail).toMatch(new RegExp(`^invalid input for ${name}: `));
    expect(answer.body.problems).toContainEqual({
      where: 'no_such_field',
      message: 'unknown parameter',
    });
  });
  const required = requiredFields(spec);
  if (required.length > 0) {
    it(`answers 400 naming the missing ${required.join(', ')}`, async () => {
      const answer = await call(spec, {}, tokens.admin);
      expect(answer.status).toBe(400);
      const where = (answer.body.problems as { where?: string }[]).map((p) => p.where);
      for (const field of required) {
        expect(
          where.some((w) => w === field || w?.startsWith(`${field}.`)),
          field,
        ).toBe(true);
      }
      expect(answer.body.detail).toContain(`${required[0]}: `);
    });
  }
});

describe('the table', () => {
  it('covers calls of every access level', () => {
    const levels = new Set(ALL_CALLS.map((spec) => spec.access));
    expect([...levels].sort()).toEqual(['admin', 'anonymous', 'login', 'staff']);
    expect(ALL_CALLS.filter((spec) => requiredFields(spec).length > 0).length).toBeGreaterThan(40);
  });
});
