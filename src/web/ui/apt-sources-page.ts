import type express from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  aptSourceAddCall,
  aptSourceRemoveCall,
  aptSourcesCall,
  aptSourceUpdateCall,
} from '../../api/specs/apt-sources.js';
import { formCall, type PageKit } from './page-kit.js';

export interface AptSourcesPageDeps {
  pages: PageKit;
  /** The implementations of the extra-source calls the forms run. */
  calls: readonly CallImplementation[];
}

/** The fields of a source a change may change (all but its name). */
const UPDATE_FIELDS = [
  'url',
  'suites',
  'components',
  'distributions',
  'key',
  'unsigned',
  'priority',
  'login',
  'password',
] as const;

/**
 * /apt-sources (admin): the extra apt sources builds take build dependencies from; add one
 * (checked as apt will before it is added), change one (checked again) and remove one.
 */
export function createAptSourcesPage(deps: AptSourcesPageDeps): express.Router {
  return deps.pages.listPage({
    path: '/apt-sources',
    access: 'admin',
    view: 'archive/apt-sources',
    title: 'Extra apt sources',
    calls: deps.calls,
    show: { sources: [aptSourcesCall, {}] },
    add: formCall(aptSourceAddCall, {
      access: 'admin',
      fields: ['name', ...UPDATE_FIELDS],
      secret: ['password'],
      onOk: (s) => ({ notice: `Extra source ${s.name} added.` }),
    }),
    actions: {
      update: formCall(aptSourceUpdateCall, {
        access: 'admin',
        fields: UPDATE_FIELDS,
        onOk: (s) => ({ notice: `Extra source ${s.name} updated and checked again.` }),
      }),
      remove: formCall(aptSourceRemoveCall, {
        access: 'admin',
        onOk: (s) => ({ notice: `Extra source ${s.name} removed.` }),
      }),
    },
  });
}
