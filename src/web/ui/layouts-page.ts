import type express from 'express';
import type { CallImplementation } from '../../api/api-router.js';
import {
  layoutAddCall,
  layoutRemoveCall,
  layoutsCall,
  layoutUpdateCall,
  suiteText,
} from '../../api/specs/layouts.js';
import { formCall, type PageKit } from './page-kit.js';

export interface LayoutsPageDeps {
  pages: PageKit;
  calls: () => readonly CallImplementation[];
}

/** /layouts: the layouts with their suites; admins add, change and remove them. */
export function createLayoutsPage(deps: LayoutsPageDeps): express.Router {
  return deps.pages.listPage({
    path: '/layouts',
    view: 'archive/layouts',
    title: 'Layouts',
    calls: deps.calls,
    show: { layouts: [layoutsCall, {}] },
    defaults: { suiteText },
    add: formCall(layoutAddCall, {
      access: 'admin',
      fields: layoutForm,
      onOk: (l) => ({ notice: `Layout ${l.name} added.` }),
    }),
    actions: {
      update: formCall(layoutUpdateCall, {
        access: 'admin',
        fields: layoutForm,
        onOk: (l) => ({ notice: `Layout ${l.name} updated.` }),
      }),
      remove: formCall(layoutRemoveCall, {
        access: 'admin',
        onOk: (o) => ({ notice: `Layout ${o.removed} removed.` }),
      }),
    },
  });
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
