import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  layoutAddCall,
  layoutRemoveCall,
  layoutsCall,
  layoutUpdateCall,
  suiteText,
} from '../../api/specs/layouts.js';
import { outcomeOf, type Outcome, type PageKit } from './page-kit.js';

export interface LayoutsPageDeps {
  pages: PageKit;
  calls: () => readonly CallImplementation[];
}

/** /layouts: the layouts with their suites; admins add, change and remove them. */
export function createLayoutsPage(deps: LayoutsPageDeps): express.Router {
  const { pages } = deps;
  const router = express.Router();
  const show = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const layouts = await pages.attempt(deps.calls(), layoutsCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'archive/layouts',
      { title: 'Layouts', layouts: layouts.ok ? layouts.output : [], suiteText, form: {}, ...data },
      status,
    );
  };
  router.get('/layouts', (req, res) => show(req, res));
  router.post('/layouts', pages.require('admin'), async (req, res) => {
    const input = layoutForm(req.body);
    const result = await pages.attempt(deps.calls(), layoutAddCall, input, req, res);
    pages.redirect(
      req,
      res,
      '/layouts',
      result.ok
        ? { notice: `Layout ${result.output.name} added.` }
        : { ...outcomeOf(result, () => ({})), form: req.body as object },
    );
  });
  router.post('/layouts/:name/update', pages.require('admin'), async (req, res) => {
    const input = { ...layoutForm(req.body), name: req.params.name };
    const result = await pages.attempt(deps.calls(), layoutUpdateCall, input, req, res);
    pages.redirect(
      req,
      res,
      '/layouts',
      outcomeOf(result, (l) => ({ notice: `Layout ${l.name} updated.` })),
    );
  });
  router.post(
    '/layouts/:name/remove',
    pages.require('admin'),
    pages.itemForm(deps.calls, layoutRemoveCall, '/layouts', (o) => ({
      notice: `Layout ${o.removed} removed.`,
    })),
  );
  return router;
}

/** The form's name and its suites, one per line in their text form. */
function layoutForm(body: unknown): { name?: string; suites: string[] } {
  const fields = (body ?? {}) as Record<string, unknown>;
  const suites = typeof fields.suites === 'string' ? fields.suites : '';
  return {
    ...(typeof fields.name === 'string' && fields.name.trim() ? { name: fields.name.trim() } : {}),
    suites: suites
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
  };
}
