import express from 'express';
import { accessAllows } from '../../api/call.js';
import type { PageKit } from './page-kit.js';
import type { DashboardPanel } from './ui-types.js';

export interface DashboardPageDeps {
  pages: PageKit;
  panels: readonly DashboardPanel[];
}

/** GET /: the panels the parts contribute, in order, those the visitor may see. */
export function createDashboardPage(deps: DashboardPageDeps): express.Router {
  const router = express.Router();
  const panels = [...deps.panels].sort((a, b) => a.order - b.order);
  router.get('/', async (req, res) => {
    const principal = deps.pages.principal(req);
    const visible = panels.filter((panel) => accessAllows(principal.role, panel.access));
    const shown = await Promise.all(
      visible.map(async (panel) => ({
        name: panel.name,
        title: panel.title,
        template: panel.template,
        data: await panel.data(req, principal),
      })),
    );
    deps.pages.render(req, res, 'site/dashboard', { title: 'Dashboard', panels: shown });
  });
  return router;
}
