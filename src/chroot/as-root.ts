/**
 * `setpriv` arguments that run a host command as uid 0. The packaged daemon runs as the
 * system user debyard with the capabilities its systemd unit grants (CAP_SETUID among
 * them, see debian/debyard.service); the tools that insist on uid 0 (mount and umount,
 * mmdebstrap, nsenter, unshare) then run as root, bounded by the unit's capability set.
 * Under a daemon that runs as root it changes nothing.
 */
export const AS_ROOT: readonly string[] = ['--reuid=0', '--regid=0', '--clear-groups', '--'];

/** A command and its arguments, run as uid 0 through setpriv. */
export function asRoot(
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  return { command: 'setpriv', args: [...AS_ROOT, command, ...args] };
}

/** As asRoot, with no_new_privs set: nothing it executes gains privileges (setuid, caps). */
export function asRootNoNewPrivs(
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  return {
    command: 'setpriv',
    args: [...AS_ROOT.slice(0, -1), '--no-new-privs', '--', command, ...args],
  };
}
