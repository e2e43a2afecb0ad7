/**
 * The two shell scripts that make a sandbox (see sandbox.ts).
 *
 * HOLDER_SCRIPT runs as host root in a new, private mount namespace: it mounts the
 * snapshot (overlayfs over the base and its layers), the bind mounts and the apt cache
 * overlay, then becomes the sandbox's uid 0 on the host (SANDBOX_IDS.base, no
 * capabilities on the host) with no_new_privs and makes the user, mount, pid, net, uts
 * and ipc namespaces. Pid 1 there prints "holder <its pid on the host>" and holds the
 * namespaces until its standard input closes. The mounts it inherits are locked: nothing
 * in the sandbox can unmount or remount them (a read-only bind stays read-only).
 *
 * Arguments: mode (overlay|direct), tree (for overlay: the lower layers, colon-separated),
 * workdir, the sandbox id base, then triples "source target ro|rw|cache": bind mounts,
 * or (cache) an overlay of the shared apt cache whose writes stay in the snapshot.
 */
export const HOLDER_SCRIPT = String.raw`
set -eu
mode=$1; tree=$2; work=$3; ids=$4; shift 4
if [ "$mode" = overlay ]; then
  root=$work/root
  mount -t overlay overlay -o "lowerdir=$tree,upperdir=$work/upper,workdir=$work/work,volatile" "$root"
else
  root=$tree
fi
while [ $# -ge 3 ]; do
  if [ ! -d "$root$2" ]; then mkdir -p "$root$2"; chown "$ids:$ids" "$root$2"; fi
  if [ "$3" = cache ]; then
    mount -t overlay overlay -o "lowerdir=$1,upperdir=$work/cache-upper,workdir=$work/cache-work,volatile" "$root$2"
  else
    mount --bind "$1" "$root$2"
    if [ "$3" = ro ]; then mount -o remount,bind,ro "$root$2"; fi
  fi
  shift 3
done
cd /
exec setpriv --reuid="$ids" --regid="$ids" --clear-groups --no-new-privs -- \
  unshare --user --mount --pid --net --uts --ipc --fork --kill-child -- \
  sh -c 'read -r pid _rest < /proc/self/stat; echo "holder $pid"; read -r _line || :' holder
`;

/**
 * Run as the sandbox's root inside its namespaces once the daemon has written the id
 * maps: what sbuild's unshare mode mounts (device nodes bound from the host, a private
 * devpts, shm, sys and proc of the sandbox's own namespaces), loopback up (the only
 * network there is), the hostname, then pivot_root into the snapshot and detach the
 * host's tree, so no host path is left to reach.
 *
 * It starts in the snapshot's root (nsenter --wd) and uses relative paths: the host
 * folders above the snapshot may be closed to the sandbox's ids. Arguments: the name of
 * the snapshot's root folder in its parent, the hostname.
 */
export const SETUP_SCRIPT = String.raw`
set -eu
base=$1; name=$2
mount -t tmpfs -o nosuid,mode=0755,size=1m devtmp dev
for f in null zero full random urandom tty; do
  : > "dev/$f"
  mount --bind "/dev/$f" "dev/$f"
done
ln -s /proc/self/fd dev/fd
ln -s /proc/self/fd/0 dev/stdin
ln -s /proc/self/fd/1 dev/stdout
ln -s /proc/self/fd/2 dev/stderr
mkdir dev/pts dev/shm
mount -t devpts -o newinstance,noexec,nosuid,gid=5,mode=0620,ptmxmode=0666 devpts dev/pts
ln -s pts/ptmx dev/ptmx
mount -t tmpfs -o nosuid,nodev,mode=1777 shm dev/shm
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs sys
mount -t proc -o nosuid,nodev,noexec proc proc
ip link set lo up
hostname "$name"
# pivot_root wants a mount made in this namespace: the snapshot bound onto itself, and
# entered by a relative path (cd would go by the absolute one, through closed folders).
mount --no-canonicalize --rbind . .
exec env -C "../$base" sh -c 'pivot_root . . && umount --no-canonicalize --lazy .'
`;
