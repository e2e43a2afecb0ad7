import type { UploaderKeyRecord } from '../../incoming/uploader-key-records.js';
import type { UploaderKeys } from '../../incoming/uploader-keys.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { implement, type CallImplementation, type Principal } from '../api-router.js';
import {
  keyAddCall,
  keyForbidCall,
  keyPermissionsCall,
  keyPermitCall,
  keyRemoveCall,
  keysCall,
  type UploaderKeyView,
} from '../specs/uploader-keys.js';

export interface UploaderKeyRoutesDeps {
  keys: Pick<
    UploaderKeys,
    'add' | 'list' | 'get' | 'remove' | 'permit' | 'forbid' | 'fingerprintsOf'
  >;
  /** The name of a user by id (owners of keys). */
  userName(id: number): string | null;
}

/**
 * Uploader keys: everyone logged in manages their own keys; admins see every key and
 * decide which repositories each may upload to.
 */
export function uploaderKeyRoutes(deps: UploaderKeyRoutesDeps): CallImplementation[] {
  const { keys } = deps;
  const view = (k: UploaderKeyRecord): UploaderKeyView => ({
    fingerprint: k.fingerprint,
    userIds: k.userIds,
    owner: k.ownerId === null ? null : deps.userName(k.ownerId),
    comment: k.comment,
    repositories: k.repositories,
    binaryRepositories: k.binaryRepositories ?? [],
    addedAt: k.addedAt,
  });
  const own = (principal: Principal) =>
    keys.list().filter((k) => k.ownerId !== null && k.ownerId === principal.userId);
  return [
    implement(keysCall, (_input, { principal }) => own(principal).map(view)),
    implement(keyAddCall, async ({ key, comment }, { principal }) => {
      for (const fp of await keys.fingerprintsOf(key)) {
        const existing = keys.list().find((k) => k.fingerprint === fp);
        if (existing && existing.ownerId !== principal.userId && principal.role !== 'admin') {
          const by = existing.ownerId === null ? 'an admin' : 'another user';
          throw new ConflictError(
            `key ${fp} is registered already, by ${by}; ask an admin if it is yours`,
          );
        }
      }
      const added = await keys.add({ key, comment, ownerId: principal.userId ?? null });
      return added.map(view);
    }),
    implement(keyRemoveCall, ({ fingerprint }, { principal }) => {
      // Admins remove any key; others only their own (others' keys are not even confirmed).
      const record =
        principal.role === 'admin'
          ? keys.get(fingerprint)
          : own(principal).find((k) => k.fingerprint === fingerprint);
      if (!record) {
        throw new NotFoundError(`you have no uploader key ${fingerprint}; see debyard keys`);
      }
      keys.remove(record.fingerprint);
      return { removed: record.fingerprint };
    }),
    implement(keyPermissionsCall, ({ repo }) =>
      keys
        .list()
        .filter((k) => repo === undefined || k.repositories.includes(repo))
        .map(view),
    ),
    implement(keyPermitCall, ({ fingerprint, repositories, binary }) =>
      view(keys.permit(fingerprint, repositories, { binary })),
    ),
    implement(keyForbidCall, ({ fingerprint, repositories, binary }) =>
      view(keys.forbid(fingerprint, repositories, { binary })),
    ),
  ];
}
