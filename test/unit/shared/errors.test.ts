import { describe, expect, it } from 'vitest';
import {
  AppError,
  ConflictError,
  describeError,
  ExternalCommandError,
  InvalidInputError,
  NotFoundError,
  PermissionError,
  RemotePeerError,
  SignatureError,
  toAppError,
} from '../../../src/shared/errors.js';

describe('errors', () => {
  it('gives each subclass its code and name', () => {
    const cases: [AppError, string, string][] = [
      [new NotFoundError('x'), 'not_found', 'NotFoundError'],
      [new ConflictError('x'), 'conflict', 'ConflictError'],
      [new InvalidInputError('x'), 'invalid_input', 'InvalidInputError'],
      [new PermissionError('x'), 'permission', 'PermissionError'],
      [new SignatureError('x'), 'signature', 'SignatureError'],
      [new RemotePeerError('x'), 'remote_peer', 'RemotePeerError'],
    ];
    for (const [error, code, name] of cases) {
      expect(error).toBeInstanceOf(AppError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
    }
  });

  it('keeps cause, details and problems', () => {
    const cause = new Error('disk full');
    const error = new ConflictError('cannot install', {
      cause,
      details: { file: 'a.deb' },
      problems: [{ where: 'a.deb', message: 'exists with other content' }, { message: 'second' }],
    });
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ file: 'a.deb' });
    expect(error.fullMessage).toBe(
      'cannot install\n  - a.deb: exists with other content\n  - second',
    );
    expect(describeError(error)).toContain('caused by: disk full');
  });

  it('records the failed command', () => {
    const error = new ExternalCommandError('mmdebstrap failed', {
      command: 'mmdebstrap',
      args: ['bookworm'],
      exitCode: 1,
      signal: null,
      stderrTail: 'E: no mirror',
    });
    expect(error.code).toBe('external_command');
    expect(error.details).toMatchObject({ command: 'mmdebstrap', exitCode: 1 });
  });

  it('wraps foreign errors as internal, keeping them as the cause', () => {
    const original = new TypeError('boom');
    const wrapped = toAppError(original);
    expect(wrapped.code).toBe('internal');
    expect(wrapped.message).toBe('boom');
    expect(wrapped.cause).toBe(original);
    const own = new NotFoundError('gone');
    expect(toAppError(own)).toBe(own);
  });
});
