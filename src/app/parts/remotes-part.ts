import path from 'node:path';
import { createPeerApi } from '../../api/peer-client.js';
import { remoteRoutes } from '../../api/routers/remotes-router.js';
import type { LiveLogHub } from '../../builder/live-log.js';
import { RemotesRepository } from '../../db/remotes-repository.js';
import type { ConnectPeer } from '../../remote/peer-entry.js';
import { RemotePeers } from '../../remote/remote-peers.js';
import { scanHostKey, SshLink } from '../../remote/ssh-link.js';
import { streamFetch } from '../../remote/tunnel-fetch.js';
import { createRemotesPage } from '../../web/ui/remotes-page.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import type { AppContext, DaemonPart } from '../part.js';

export interface RemotesPart extends DaemonPart {
  /** The peers; `builders()` are the remote builders for the scheduler. */
  remotes: RemotePeers;
}

/** An SSH link per peer, the peer API over its direct-tcpip channels. */
const connectPeer: ConnectPeer = (target) => {
  const link = new SshLink(target.ssh, target.check, target.label);
  const fetch = streamFetch((signal) => link.forward(target.api.host, target.api.port, signal));
  return {
    api: createPeerApi({ fetch, token: target.token, label: target.label }),
    hostKey: () => link.hostKey,
    reset: () => link.reset(),
    close: () => link.close(),
  };
};

/** Remote peers: the admin calls, the health checks, the remotes page. */
export function remotesPart(
  ctx: AppContext,
  deps: { liveLogs: LiveLogHub; pages: PageKit },
): RemotesPart {
  const { settings } = ctx;
  const remotes = new RemotePeers({
    db: ctx.db,
    store: new RemotesRepository(ctx.db),
    events: ctx.events,
    clock: ctx.clock,
    logger: ctx.logger.child({ module: 'remotes' }),
    connect: connectPeer,
    keysDir: path.join(ctx.layout.keys, 'remotes'),
    logs: deps.liveLogs,
    timings: {
      checkIntervalMs: settings.remotes.checkIntervalSeconds * 1000,
      checkTimeoutMs: settings.remotes.checkTimeoutSeconds * 1000,
      failoverTimeoutMs: settings.remotes.failoverTimeoutSeconds * 1000,
    },
  });
  const calls = remoteRoutes({
    remotes,
    scan: (host, port) => scanHostKey(host, port, settings.remotes.checkTimeoutSeconds * 1000),
  });
  return {
    name: 'remotes',
    remotes,
    calls,
    routers: [createRemotesPage({ pages: deps.pages, calls })],
    ui: { nav: [{ href: '/remotes', label: 'Remotes', access: 'admin', order: 70 }] },
    start: () => remotes.start(),
    stop: () => remotes.stop(),
  };
}
