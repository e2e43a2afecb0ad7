import type { Request } from 'express';
import type { Principal } from '../../api/api-router.js';
import type { Access } from '../../api/call.js';

/** One entry of the navigation bar, shown to users with at least `access`. */
export interface NavItem {
  href: string;
  label: string;
  access: Access;
  /** Position in the bar: lower first. */
  order: number;
}

/** One panel of the dashboard: a partial under templates/ rendered with `data`. */
export interface DashboardPanel {
  name: string;
  title: string;
  /** The partial, e.g. `panels/status` (templates/panels/status.ejs). */
  template: string;
  access: Access;
  order: number;
  data(
    req: Request,
    principal: Principal,
  ): Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** What a daemon part adds to the web UI besides its routers. */
export interface UiContribution {
  nav?: readonly NavItem[];
  panels?: readonly DashboardPanel[];
}
