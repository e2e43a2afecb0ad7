import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fromProblem, fromZodError, httpStatusOf, toProblem } from '../../../src/api/problem.js';
import {
  AppError,
  AuthenticationError,
  ConflictError,
  InvalidInputError,
  NotFoundError,
  PermissionError,
  RemotePeerError,
  SignatureError,
  TooManyRequestsError,
  UnavailableError,
  type ErrorCode,
} from '../../../src/shared/errors.js';

describe('error to HTTP mapping', () => {
  it('maps each error meaning to one status', () => {
    const cases: [AppError, number][] = [
      [new InvalidInputError('x'), 400],
      [new AuthenticationError('x'), 401],
      [new PermissionError('x'), 403],
      [new NotFoundError('x'), 404],
      [new ConflictError('x'), 409],
      [new SignatureError('x'), 422],
      [new RemotePeerError('x'), 502],
      [new UnavailableError('x'), 503],
      [new TooManyRequestsError('x', 30), 429],
      [new AppError('internal', 'x'), 500],
    ];
    for (const [error, status] of cases) {
      expect(toProblem(error).status).toBe(status);
      expect(httpStatusOf(error.code)).toBe(status);
    }
    expect(toProblem(new TypeError('oops')).status).toBe(500);
  });

  it('writes RFC 7807 documents with every problem in the detail', () => {
    const problem = toProblem(
      new InvalidInputError('upload rejected', {
        problems: [{ where: 'hello.dsc', message: 'missing' }, { message: 'unsigned' }],
      }),
    );
    expect(problem).toMatchObject({
      type: 'urn:debyard:problem:invalid_input',
      title: 'Invalid input',
      status: 400,
      code: 'invalid_input',
      detail: 'upload rejected: hello.dsc: missing; unsigned',
    });
  });

  it('round-trips through fromProblem', () => {
    for (const code of ['not_found', 'conflict', 'permission'] as ErrorCode[]) {
      const back = fromProblem(toProblem(new AppError(code, 'msg')), httpStatusOf(code));
      expect(back.code).toBe(code);
      expect(back.message).toBe('msg');
    }
    expect(fromProblem({}, 404).code).toBe('not_found');
  });

  it('names each invalid field of a zod error', () => {
    const result = z
      .object({ repo: z.string().regex(/^[a-z0-9]+$/), n: z.number() })
      .strict()
      .safeParse({ repo: 'A!', n: 'x', extra: 1 });
    expect(result.success).toBe(false);
    const error = fromZodError(result.error!);
    expect(error.problems.map((p) => p.where)).toEqual(['repo', 'n', 'extra']);
    expect(error.problems[2]!.message).toBe('unknown parameter');
  });
});
