import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './daemon.js';

/** debian/debyard.service: the packaged daemon's systemd unit. */
export const UNIT_FILE = path.join(REPO_ROOT, 'debian', 'debyard.service');

/** The settings of a systemd unit file, `Key` → values in order (comments dropped). */
export function readUnit(file = UNIT_FILE): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('[')) continue;
    const at = line.indexOf('=');
    const key = line.slice(0, at);
    settings.set(key, [...(settings.get(key) ?? []), line.slice(at + 1)]);
  }
  return settings;
}

/** The one value of a unit setting; throws when it is missing. */
export function unitValue(unit: Map<string, string[]>, key: string): string {
  const values = unit.get(key);
  if (!values || values.length !== 1) throw new Error(`${key}= is not set once in the unit`);
  return values[0]!;
}

/** `CAP_SYS_ADMIN CAP_KILL` → `+sys_admin,+kill` (setpriv's notation). */
export function setprivCaps(list: string): string {
  return list
    .split(/\s+/)
    .filter(Boolean)
    .map((cap) => `+${cap.replace(/^CAP_/, '').toLowerCase()}`)
    .join(',');
}

/**
 * setpriv arguments that give a process what the unit gives the daemon: its user (as
 * `uid`/`gid`, so the host needs no such user), no supplementary groups, the ambient
 * capabilities, the bounding set and no_new_privs.
 */
export function unitPrivileges(unit: Map<string, string[]>, uid: number, gid: number): string[] {
  const ambient = setprivCaps(unitValue(unit, 'AmbientCapabilities'));
  const bounding = setprivCaps(unitValue(unit, 'CapabilityBoundingSet'));
  return [
    'setpriv',
    `--reuid=${uid}`,
    `--regid=${gid}`,
    '--clear-groups',
    `--inh-caps=-all,${ambient}`,
    `--ambient-caps=-all,${ambient}`,
    `--bounding-set=-all,${bounding}`,
    ...(unitValue(unit, 'NoNewPrivileges') === 'yes' ? ['--no-new-privs'] : []),
    '--',
  ];
}
