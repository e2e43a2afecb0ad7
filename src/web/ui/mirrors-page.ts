import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  mirrorAddCall,
  mirrorRemoveCall,
  mirrorsCall,
  mirrorUpdateCall,
} from '../../api/specs/mirrors.js';
import { formInput, outcomeOf, type Outcome, type PageKit } from './page-kit.js';

export interface MirrorsPageDeps {
  pages: PageKit;
  /** The implementations of the mirror calls the forms run. */
  calls: readonly CallImplementation[];
}

const ADD_FIELDS = [
  'name',
  'url',
  'suites',
  'components',
  'architectures',
  'filter',
  'with_deps',
  'recommends',
  'key',
  'unsigned',
] as const;

/** /mirrors (admin): the mirrors with their state; add, update and remove one. */
export function createMirrorsPage(deps: MirrorsPageDeps): express.Router {
  const { pages, calls } = deps;
  const router = express.Router();
  const show = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const list = await pages.attempt(calls, mirrorsCall, {}, req, res);
    const { status, ...data } = outcome;
    pages.render(
      req,
      res,
      'archive/mirrors',
      { title: 'Mirrors', mirrors: list.ok ? list.output : [], form: {}, ...data },
      status,
    );
  };
  router.get('/mirrors', pages.require('admin'), (req, res) => show(req, res));
  router.post('/mirrors', pages.require('admin'), async (req, res) => {
    const input = formInput(req.body, ADD_FIELDS);
    const result = await pages.attempt(calls, mirrorAddCall, input, req, res);
    pages.redirect(
      req,
      res,
      '/mirrors',
      result.ok
        ? { notice: `Mirror ${result.output.name} added; update it to fetch its packages.` }
        : { form: input, error: result.problem.detail, status: result.problem.status },
    );
  });
  router.post('/mirrors/:name/update', pages.require('admin'), async (req, res) => {
    const name = req.params.name;
    const result = await pages.attempt(calls, mirrorUpdateCall, { name }, req, res);
    pages.redirect(
      req,
      res,
      '/mirrors',
      outcomeOf(result, (m) => ({
        notice: `Mirror ${m.name} updated: ${m.counts.packages ?? 0} packages, ${m.counts.fetched ?? 0} files fetched.`,
      })),
    );
  });
  router.post('/mirrors/:name/remove', pages.require('admin'), async (req, res) => {
    const name = req.params.name;
    const result = await pages.attempt(calls, mirrorRemoveCall, { name }, req, res);
    pages.redirect(
      req,
      res,
      '/mirrors',
      outcomeOf(result, (m) => ({ notice: `Mirror ${m.name} removed.` })),
    );
  });
  return router;
}
