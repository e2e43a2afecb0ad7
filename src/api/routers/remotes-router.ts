import type { HostKey } from '../../remote/host-key.js';
import { describeHostKey } from '../../remote/host-key.js';
import type { RemotePeers } from '../../remote/remote-peers.js';
import { implement, type CallImplementation } from '../api-router.js';
import {
  remoteAddCall,
  remoteCheckCall,
  remoteRemoveCall,
  remoteScanCall,
  remotesCall,
} from '../specs/remotes.js';

export interface RemoteRoutesDeps {
  remotes: Pick<RemotePeers, 'list' | 'add' | 'check' | 'remove'>;
  scan(host: string, port: number): Promise<HostKey>;
}

/** The admin calls that manage remote peers. */
export function remoteRoutes(deps: RemoteRoutesDeps): CallImplementation[] {
  const { remotes } = deps;
  return [
    implement(remotesCall, () => remotes.list()),
    implement(remoteAddCall, (input, { signal }) =>
      remotes.add(
        {
          name: input.name,
          host: input.host,
          port: input.port,
          user: input.user,
          keyFile: input.key,
          keyText: input.key_text,
          token: input.token,
          api: input.api,
          fingerprint: input.fingerprint,
          capacity: input.capacity,
        },
        signal,
      ),
    ),
    implement(remoteScanCall, async (input) => {
      const key = await deps.scan(input.host, input.port);
      return { algorithm: key.algorithm, fingerprint: key.fingerprint, text: describeHostKey(key) };
    }),
    implement(remoteCheckCall, (input) => remotes.check(input.name)),
    implement(remoteRemoveCall, (input) => remotes.remove(input.name)),
  ];
}
