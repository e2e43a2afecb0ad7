import express from 'express';
import { formatListenAddress, type ListenAddress } from '../../config/listen-address.js';
import type { Settings } from '../../config/settings.js';
import type { PageKit } from './page-kit.js';

export interface SettingsPageDeps {
  pages: PageKit;
  settings: Settings;
}

/** GET /settings (admin): the startup settings, read-only. */
export function createSettingsPage(deps: SettingsPageDeps): express.Router {
  const router = express.Router();
  const rows = settingRows(deps.settings);
  router.get('/settings', deps.pages.require('admin'), (req, res) => {
    deps.pages.render(req, res, 'site/settings', { title: 'Settings', rows });
  });
  return router;
}

/** Every setting as [dotted key, shown value]; new settings appear without changes here. */
export function settingRows(settings: object, prefix = ''): [string, string][] {
  return Object.entries(settings).flatMap(([key, value]): [string, string][] => {
    const name = prefix ? `${prefix}.${key}` : key;
    if (isListenAddress(value)) return [[name, formatListenAddress(value)]];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return settingRows(value as object, name);
    }
    return [[name, value === null ? '(not set)' : String(value)]];
  });
}

function isListenAddress(value: unknown): value is ListenAddress {
  const v = value as Partial<ListenAddress> | null;
  return !!v && typeof v === 'object' && typeof v.host === 'string' && typeof v.port === 'number';
}
