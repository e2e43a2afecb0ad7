import type { Mirrors } from '../../archive/mirrors/mirrors.js';
import { implement, type CallImplementation } from '../api-router.js';
import {
  mirrorAddCall,
  mirrorRemoveCall,
  mirrorsCall,
  mirrorUpdateCall,
} from '../specs/mirrors.js';

/** The calls that manage mirrors. */
export function mirrorRoutes(
  mirrors: Pick<Mirrors, 'list' | 'add' | 'update' | 'remove'>,
): CallImplementation[] {
  return [
    implement(mirrorsCall, () => mirrors.list()),
    implement(mirrorAddCall, (input, { signal }) =>
      mirrors.add(
        {
          name: input.name,
          url: input.url,
          suites: input.suites,
          components: input.components,
          architectures: input.architectures,
          sources: input.sources,
          ...(input.filter !== undefined && { filter: input.filter }),
          withDeps: input.with_deps,
          recommends: input.recommends,
          ...(input.key !== undefined && { key: input.key }),
          unsigned: input.unsigned,
        },
        signal,
      ),
    ),
    implement(mirrorUpdateCall, (input, { signal }) => mirrors.update(input.name, signal)),
    implement(mirrorRemoveCall, (input, { signal }) => mirrors.remove(input.name, signal)),
  ];
}
