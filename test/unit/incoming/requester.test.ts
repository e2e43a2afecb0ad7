import { describe, expect, it } from 'vitest';
import type { RepositorySpec } from '../../../src/archive/model/repository.js';
import {
  formatRequester,
  parseRequester,
  requesterOf,
  uploadRefusal,
  type Requester,
} from '../../../src/incoming/requester.js';

const FPR = 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678';
const repo = (id: string, allowUnsigned: boolean): RepositorySpec => ({
  id,
  description: '',
  layout: 'default',
  allowUnsigned,
  distributions: [],
});
const keys = { repositoriesOf: (fpr: string) => (fpr === FPR ? ['test', 'team'] : []) };

describe('requester', () => {
  it('is written and read back the same', () => {
    const all: Requester[] = [
      { kind: 'anonymous' },
      { kind: 'key', fingerprint: FPR },
      { kind: 'user', name: 'stella', role: 'staff' },
    ];
    expect(all.map(formatRequester)).toEqual(['anonymous', `key ${FPR}`, 'user stella (staff)']);
    expect(all.map((r) => parseRequester(formatRequester(r)))).toEqual(all);
    for (const bad of ['', 'root', 'key', 'key xyz', 'user stella', 'user a b (staff)']) {
      expect(parseRequester(bad), bad).toBeUndefined();
    }
  });

  it('of an upload: the requester it was made for, else its signer, else anonymous', () => {
    expect(requesterOf({ signer: null, requestedBy: null })).toEqual({ kind: 'anonymous' });
    expect(requesterOf({ signer: FPR, requestedBy: null })).toEqual({
      kind: 'key',
      fingerprint: FPR,
    });
    expect(requesterOf({ signer: 'INSTANCE', requestedBy: 'anonymous' })).toEqual({
      kind: 'anonymous',
    });
  });

  it("is held to the repository's rules: anyone where unsigned uploads are allowed, else keys with rights and staff", () => {
    const open = repo('test', true);
    const team = repo('team', false);
    const other = repo('other', false);
    const refusal = (r: Requester, to: RepositorySpec) => uploadRefusal(keys, r, to);
    expect(refusal({ kind: 'anonymous' }, open)).toBeUndefined();
    expect(refusal({ kind: 'anonymous' }, team)).toBe(
      'an anonymous upload may not go to repository team, which takes signed uploads only',
    );
    expect(refusal({ kind: 'key', fingerprint: FPR }, team)).toBeUndefined();
    expect(refusal({ kind: 'key', fingerprint: FPR }, other)).toBe(
      `key ${FPR} may not upload to repository other (it may upload to test, team)`,
    );
    expect(refusal({ kind: 'key', fingerprint: 'B'.repeat(40) }, other)).toBe(
      `key ${'B'.repeat(40)} may not upload to repository other (it may upload to no repository)`,
    );
    expect(refusal({ kind: 'user', name: 'stella', role: 'staff' }, other)).toBeUndefined();
    expect(refusal({ kind: 'user', name: 'root', role: 'admin' }, other)).toBeUndefined();
    expect(refusal({ kind: 'user', name: 'lou', role: 'login' }, other)).toBe(
      "user lou has role login; uploads to repository other on a user's behalf need role staff",
    );
  });
});
