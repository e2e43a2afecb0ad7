import { clientHost } from '../../api/routers/incoming-router.js';
import { createIncomingForms, incomingPanel } from '../../web/ui/incoming-panel.js';
import type { Request } from 'express';
import type { PageKit } from '../../web/ui/page-kit.js';
import type { AppContext, DaemonPart } from '../part.js';
import type { IncomingPart } from './incoming-part.js';

/** The dashboard's incoming panel and its pause/resume forms. */
export function incomingUiPart(
  ctx: AppContext,
  deps: { incoming: IncomingPart; pages: PageKit },
): DaemonPart {
  const panelDeps = {
    pages: deps.pages,
    calls: deps.incoming.calls ?? [],
    state: () => deps.incoming.gate.state(),
    ftpAddress: (req: Request) => {
      const host = clientHost(req, ctx.settings.http.publicUrl);
      return `${host.includes(':') ? `[${host}]` : host}:${deps.incoming.ftpAddress().port}`;
    },
  };
  return {
    name: 'incoming-ui',
    routers: [createIncomingForms(panelDeps)],
    ui: { panels: [incomingPanel(panelDeps)] },
  };
}
