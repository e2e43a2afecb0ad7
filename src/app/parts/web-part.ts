import type { Router } from 'express';
import { createDashboardPage } from '../../web/ui/dashboard-page.js';
import { createUiFrame } from '../../web/ui/frame.js';
import type { PageKit } from '../../web/ui/page-kit.js';
import { createSettingsPage } from '../../web/ui/settings-page.js';
import type { AppContext, DaemonPart } from '../part.js';

export interface WebPart extends DaemonPart {
  /** Mounted before every other router: static files, form bodies, CSRF, navigation. */
  frame: Router;
}

/**
 * The web UI frame, built after the other parts: their navigation entries and dashboard
 * panels, plus the dashboard and settings pages.
 */
export function webPart(ctx: AppContext, pages: PageKit, parts: readonly DaemonPart[]): WebPart {
  const nav = [
    { href: '/', label: 'Dashboard', access: 'anonymous', order: 0 } as const,
    { href: '/settings', label: 'Settings', access: 'admin', order: 100 } as const,
    ...parts.flatMap((part) => part.ui?.nav ?? []),
  ];
  return {
    name: 'web',
    frame: createUiFrame({ pages, nav, staticDir: ctx.info.staticDir }),
    routers: [
      createDashboardPage({ pages, panels: parts.flatMap((part) => part.ui?.panels ?? []) }),
      createSettingsPage({ pages, settings: ctx.settings }),
    ],
  };
}
