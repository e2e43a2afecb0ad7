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
    implement(aptSourceAddCall, (input, { signal }) =>
      sources.add(
        {
          name: input.name,
          url: input.url,
          suites: input.suites,
          components: input.components,
          distributions: input.distributions,
          key: input.key,
          unsigned: input.unsigned,
          priority: input.priority,
          ...(input.login !== undefined && {
            auth: { login: input.login, password: input.password! },
          }),
        },
        signal,
      ),
    ),
    implement(aptSourceUpdateCall, (input, { signal }) =>
      sources.update(
        input.name,
        {
          url: input.url,
          suites: input.suites,
          components: input.components,
          distributions: input.distributions,
          key: input.key,
          unsigned: input.unsigned,
          priority: input.priority,
          ...(input.login !== undefined && {
            auth: { login: input.login, password: input.password! },
          }),
        },
        signal,
      ),
    ),
    implement(aptSourceRemoveCall, (input) => sources.remove(input.name)),
  ];
}
