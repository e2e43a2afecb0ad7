/** The sanitized environments of build steps: nothing comes from the daemon's own. */

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

import { hostId } from '../chroot/id-map.js';

/** The unprivileged build user made by chroots/setup/debyard-base.sh (ids in the sandbox). */
export const BUILD_USER = { name: 'debyard', uid: 2000, gid: 2000 } as const;

/** The build user's ids as the host sees them (for the files the daemon gives it). */
export const BUILD_USER_ON_HOST = { uid: hostId(BUILD_USER.uid), gid: hostId(BUILD_USER.gid) };

/** For steps run as root (apt): non-interactive, C.UTF-8. */
export function rootEnv(): Record<string, string> {
  return {
    PATH,
    HOME: '/root',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    DEBIAN_FRONTEND: 'noninteractive',
  };
}

/**
 * For steps run as the build user, as sbuild does it: a HOME that does not exist (builds
 * must not depend on one), C.UTF-8, and DEB_BUILD_OPTIONS when given.
 */
export function builderEnv(debBuildOptions?: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH,
    HOME: '/nonexistent',
    USER: BUILD_USER.name,
    LOGNAME: BUILD_USER.name,
    SHELL: '/bin/sh',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TERM: 'dumb',
    DPKG_COLORS: 'never',
  };
  if (debBuildOptions) env.DEB_BUILD_OPTIONS = debBuildOptions;
  return env;
}
