import type { ExtraSources } from '../../archive/extra-sources/extra-sources.js';
import { implement, type CallImplementation } from '../api-router.js';
import {
  aptSourceAddCall,
  aptSourceRemoveCall,
  aptSourcesCall,
  aptSourceUpdateCall,
} from '../specs/apt-sources.js';

/** The calls that manage the extra apt sources of builds. */
export function aptSourceRoutes(
  sources: Pick<ExtraSources, 'list' | 'add' | 'update' | 'remove'>,
): CallImplementation[] {
  return [
    implement(aptSourcesCall, () => sources.list()),
    implement(aptSourceAddCall, ({ login, password, ...source }, { signal }) =>
      sources.add({ ...source, ...authOf(login, password) }, signal),
    ),
    implement(aptSourceUpdateCall, ({ name, login, password, ...change }, { signal }) =>
      sources.update(name, { ...change, ...authOf(login, password) }, signal),
    ),
    implement(aptSourceRemoveCall, (input) => sources.remove(input.name)),
  ];
}

/** The login a call gives, as a source's `auth`; nothing when it gives none. */
function authOf(login: string | undefined, password: string | undefined) {
  return login !== undefined ? { auth: { login, password: password! } } : {};
}
