/**
 * The shell script run as pid 1 of a sandbox's new pid namespace (inside its new
 * mount, uts and ipc namespaces). It mounts the snapshot and what sbuild's unshare mode
 * mounts (device nodes bound from the host, a private devpts, shm, sys, proc), prints
 * "ready <its pid on the host>", then holds the namespaces until its standard input
 * closes. Everything it mounted lives only in its mount namespace, so the kernel removes
 * it all when the sandbox ends, even if the daemon was killed.
 *
 * Arguments: mode (overlay|direct), tree (for overlay: the lower layers, colon-separated),
 * workdir, hostname, then triples "source target ro|rw" of bind mounts. The overlay is
 * volatile (no syncs to disk): snapshots do not outlive their build, and whoever keeps
 * an upper layer syncs it.
 */
export const HOLDER_SCRIPT = String.raw`
set -eu
mode=$1; tree=$2; work=$3; name=$4; shift 4
read -r hostpid _rest < /proc/self/stat
if [ "$mode" = overlay ]; then
  root=$work/root
  mount -t overlay overlay -o "lowerdir=$tree,upperdir=$work/upper,workdir=$work/work,volatile" "$root"
else
  root=$tree
fi
echo "$name" > /proc/sys/kernel/hostname
rm -f "$root/etc/resolv.conf"
cat /etc/resolv.conf > "$root/etc/resolv.conf" 2>/dev/null || : > "$root/etc/resolv.conf"
mkdir -p "$root/dev" "$root/proc" "$root/sys"
mount -t tmpfs -o nosuid,mode=0755,size=1m devtmp "$root/dev"
for f in null zero full random urandom tty console; do
  : > "$root/dev/$f"
  mount --bind "/dev/$f" "$root/dev/$f"
done
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,noexec,nosuid,gid=5,mode=0620,ptmxmode=0666 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o nosuid,nodev,mode=1777 shm "$root/dev/shm"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
while [ $# -ge 3 ]; do
  mkdir -p "$root$2"
  mount --bind "$1" "$root$2"
  if [ "$3" = ro ]; then mount -o remount,bind,ro "$root$2"; fi
  shift 3
done
echo "ready $hostpid"
read -r _line || :
`;
