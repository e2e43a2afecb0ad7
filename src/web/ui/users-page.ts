import express, { type Request, type Response } from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  userAddCall,
  userDisableCall,
  userEnableCall,
  userRoleCall,
  usersCall,
  type UserView,
} from '../../api/specs/users.js';
import { ROLES } from '../../api/user-records.js';
import { formInput, outcomeOf, type Outcome, type PageKit } from './page-kit.js';

export interface UsersPageDeps {
  pages: PageKit;
  /** The implementations of the user calls the forms run. */
  calls: readonly CallImplementation[];
}

/** /users (admin): add users, change roles, disable and enable them. */
export function createUsersPage(deps: UsersPageDeps): express.Router {
  const { pages, calls } = deps;
  const router = express.Router();
  const show = async (req: Request, res: Response, outcome: Outcome = {}) => {
    const list = await pages.attempt(calls, usersCall, {}, req, res);
    const { status, ...data } = outcome;
    const users = list.ok ? list.output : [];
    pages.render(
      req,
      res,
      'account/users',
      { title: 'Users', users, roles: ROLES, added: null, ...data },
      status,
    );
  };
  router.get('/users', pages.require('admin'), (req, res) => show(req, res));
  router.post('/users', pages.require('admin'), async (req, res) => {
    const input = formInput(req.body, ['name', 'role', 'password']);
    const result = await pages.attempt(calls, userAddCall, input, req, res);
    pages.redirect(
      req,
      res,
      '/users',
      outcomeOf(result, (added) => ({ added, notice: `User ${added.name} added.` })),
    );
  });
  const actions = [
    ['role', userRoleCall, (u: UserView) => `${u.name} now has role ${u.role}.`],
    ['disable', userDisableCall, (u: UserView) => `${u.name} is disabled.`],
    ['enable', userEnableCall, (u: UserView) => `${u.name} is enabled again.`],
  ] as const;
  for (const [action, spec, said] of actions) {
    router.post(`/users/:name/${action}`, pages.require('admin'), async (req, res) => {
      const input = { ...formInput(req.body, ['role']), name: req.params.name };
      const result = await pages.attempt(calls, spec, input, req, res);
      pages.redirect(
        req,
        res,
        '/users',
        outcomeOf(result, (user) => ({ notice: said(user) })),
      );
    });
  }
  return router;
}
