import express, { type Request } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  incomingPauseCall,
  incomingResumeCall,
  type IncomingStateView,
} from '../../api/specs/incoming.js';
import { formInput, type PageKit } from './page-kit.js';
import type { DashboardPanel } from './ui-types.js';

export interface IncomingPanelDeps {
  pages: PageKit;
  /** The incoming calls. */
  calls: readonly CallImplementation[];
  state: () => IncomingStateView;
  /** Where clients reach the FTP incoming, e.g. builds.example.org:8067. */
  ftpAddress: (req: Request) => string;
}

/** The dashboard's incoming panel: open or paused; admins pause and resume it. */
export function incomingPanel(deps: IncomingPanelDeps): DashboardPanel {
  return {
    name: 'incoming',
    title: 'Incoming',
    template: 'panels/incoming',
    access: 'anonymous',
    order: 10,
    data: (req) => ({ incoming: deps.state(), ftp: deps.ftpAddress(req) }),
  };
}

/** POST /incoming/pause and /incoming/resume (admin), back to the dashboard. */
export function createIncomingForms(deps: IncomingPanelDeps): express.Router {
  const { pages, calls } = deps;
  const router = express.Router();
  for (const [action, spec] of [
    ['pause', incomingPauseCall],
    ['resume', incomingResumeCall],
  ] as const) {
    router.post(`/incoming/${action}`, pages.require('admin'), async (req, res) => {
      const input = action === 'pause' ? formInput(req.body, ['reason']) : {};
      const result = await pages.attempt(calls, spec, input, req, res);
      pages.redirect(
        req,
        res,
        '/#panel-incoming',
        result.ok
          ? {}
          : {
              error: `Cannot ${action} the incoming: ${result.problem.detail}`,
              status: result.problem.status,
            },
      );
    });
  }
  return router;
}
