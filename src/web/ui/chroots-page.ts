import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  chrootCreateCall,
  chrootListCall,
  chrootRemoveCall,
  chrootUpdateCall,
  type ChrootView,
} from '../../api/specs/chroots.js';
import { chrootRow } from './chroot-progress.js';
import { formInput, outcomeOf, type Outcome, type PageKit } from './page-kit.js';
import type { DashboardPanel } from './ui-types.js';

export interface ChrootsPageDeps {
  pages: PageKit;
  /** The chroot calls. */
  calls: readonly CallImplementation[];
  /** The latest event id, where the live updates of a page start. */
  latestEventId: () => number;
}

/** /chroots (admin): the base chroots with state, size and progress; create, update, remove. */
export function createChrootsPage(deps: ChrootsPageDeps): express.Router {
  const { pages, calls } = deps;
  const router = express.Router();
  const show = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const list = await pages.attempt(calls, chrootListCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'builds/chroots',
      {
        title: 'Chroots',
        chroots: list.ok ? list.output.map(chrootRow) : [],
        streamUrl: chrootEventsUrl(deps.latestEventId()),
        actions: true,
        refreshUrl: '/chroots',
        ...data,
      },
      status,
    );
  };
  router.get('/chroots', pages.require('admin'), (req, res) => show(req, res));
  router.post('/chroots', pages.require('admin'), async (req, res) => {
    const input = formInput(req.body, ['codename', 'architecture']);
    const result = await pages.attempt(calls, chrootCreateCall, input, req, res);
    pages.redirect(
      req,
      res,
      '/chroots',
      outcomeOf(result, (c) => ({ notice: `Creating chroot ${c.codename}/${c.architecture}.` })),
    );
  });
  const actions = [
    [
      'update',
      chrootUpdateCall,
      (c: ChrootView) => `Updating chroot ${c.codename}/${c.architecture}.`,
    ],
    ['remove', chrootRemoveCall, (o: { removed: string }) => `Chroot ${o.removed} removed.`],
  ] as const;
  for (const [action, spec, said] of actions) {
    router.post(
      `/chroots/:codename/:architecture/${action}`,
      pages.require('admin'),
      async (req, res) => {
        const input = { codename: req.params.codename, architecture: req.params.architecture };
        const result = await pages.attempt(calls, spec, input, req, res);
        pages.redirect(
          req,
          res,
          '/chroots',
          outcomeOf(result, (o) => ({ notice: said(o as never) })),
        );
      },
    );
  }
  return router;
}

/** The dashboard panel: every chroot with its state and a progress bar while busy. */
export function chrootsPanel(deps: {
  list: () => ChrootView[];
  latestEventId: () => number;
}): DashboardPanel {
  return {
    name: 'chroots',
    title: 'Chroots',
    template: 'panels/chroots',
    access: 'anonymous',
    order: 30,
    data: () => ({
      chroots: deps.list().map(chrootRow),
      streamUrl: chrootEventsUrl(deps.latestEventId()),
      actions: false,
      refreshUrl: '/',
    }),
  };
}

/** CHROOT events after the page was made: each one refreshes the chroots shown. */
function chrootEventsUrl(after: number): string {
  return `/api/v1/events?type=CHROOT&follow=true&after=${after}`;
}
