import type { RepositorySpec } from '../archive/model/repository.js';

/**
 * Whom an upload is for. An upload from outside is its signer's (or anonymous); an
 * upload the daemon makes itself (a port, the keyring and test packages), signed with
 * the instance key, keeps the identity of whoever asked for it: the signer or anonymous
 * uploader of the upload an auto-port comes from, or the API user of port/port_ext.
 */
export type Requester =
  | { kind: 'anonymous' }
  | { kind: 'key'; fingerprint: string }
  | { kind: 'user'; name: string; role: string };

export const ANONYMOUS_REQUESTER: Requester = { kind: 'anonymous' };

/** The API roles that may have the daemon upload anywhere (what the port call needs). */
const UPLOADING_ROLES = ['staff', 'admin'];

/** `anonymous`, `key <FINGERPRINT>` or `user <name> (<role>)`. */
export function formatRequester(requester: Requester): string {
  switch (requester.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'key':
      return `key ${requester.fingerprint}`;
    case 'user':
      return `user ${requester.name} (${requester.role})`;
  }
}

/** The requester a formatRequester text names; undefined if it names none. */
export function parseRequester(text: string): Requester | undefined {
  const value = text.trim();
  if (value === 'anonymous') return ANONYMOUS_REQUESTER;
  const key = /^key ([0-9A-F]{16,64})$/.exec(value);
  if (key) return { kind: 'key', fingerprint: key[1]! };
  const user = /^user (\S+) \(([a-z]+)\)$/.exec(value);
  if (user) return { kind: 'user', name: user[1]!, role: user[2]! };
  return undefined;
}

/** Whom a recorded upload is for: its requester, else its signer, else anonymous. */
export function requesterOf(upload: {
  signer: string | null;
  requestedBy: string | null;
}): Requester {
  const requested = upload.requestedBy === null ? undefined : parseRequester(upload.requestedBy);
  if (requested) return requested;
  return upload.signer ? { kind: 'key', fingerprint: upload.signer } : ANONYMOUS_REQUESTER;
}

/** What the policy needs to know of uploader keys. */
export interface KeyRights {
  /** The repositories a key (primary fingerprint) may upload to. */
  repositoriesOf(fingerprint: string): string[];
}

/**
 * Why `requester` may not upload to `repository` (undefined: it may). The repository's
 * own rules, as for an upload from outside: anyone where unsigned uploads are allowed;
 * elsewhere only keys given that repository, and API users of role staff or admin.
 */
export function uploadRefusal(
  keys: KeyRights,
  requester: Requester,
  repository: RepositorySpec,
): string | undefined {
  if (repository.allowUnsigned) return undefined;
  const id = repository.id;
  switch (requester.kind) {
    case 'anonymous':
      return `an anonymous upload may not go to repository ${id}, which takes signed uploads only`;
    case 'key': {
      const allowed = keys.repositoriesOf(requester.fingerprint);
      if (allowed.includes(id)) return undefined;
      return `key ${requester.fingerprint} may not upload to repository ${id} (it may upload to ${allowed.join(', ') || 'no repository'})`;
    }
    case 'user':
      if (UPLOADING_ROLES.includes(requester.role)) return undefined;
      return `user ${requester.name} has role ${requester.role}; uploads to repository ${id} on a user's behalf need role staff`;
  }
}
