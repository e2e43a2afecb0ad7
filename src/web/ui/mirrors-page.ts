import type express from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  mirrorAddCall,
  mirrorRemoveCall,
  mirrorsCall,
  mirrorUpdateCall,
} from '../../api/specs/mirrors.js';
import { formCall, type PageKit } from './page-kit.js';

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
  return deps.pages.listPage({
    path: '/mirrors',
    access: 'admin',
    view: 'archive/mirrors',
    title: 'Mirrors',
    calls: deps.calls,
    show: { mirrors: [mirrorsCall, {}] },
    add: formCall(mirrorAddCall, {
      access: 'admin',
      fields: ADD_FIELDS,
      onOk: (m) => ({ notice: `Mirror ${m.name} added; update it to fetch its packages.` }),
    }),
    actions: {
      update: formCall(mirrorUpdateCall, {
        access: 'admin',
        onOk: (m) => ({
          notice: `Mirror ${m.name} updated: ${m.counts.packages ?? 0} packages, ${m.counts.fetched ?? 0} files fetched.`,
        }),
      }),
      remove: formCall(mirrorRemoveCall, {
        access: 'admin',
        onOk: (m) => ({ notice: `Mirror ${m.name} removed.` }),
      }),
    },
  });
}
