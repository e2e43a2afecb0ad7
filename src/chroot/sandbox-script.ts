/**
 * The two programs that make a sandbox (see sandbox.ts), in Perl: perl-base is
 * Essential on Debian, and one Perl process making every mount by system call is ~20
 * process starts fewer than mount(8), ln, ip and hostname one after the other (the
 * snapshot's setup went from ~135 to well under 100 ms). Both get the host's system call
 * numbers (syscallNumbers) as their first four arguments.
 *
 * HOLDER_SCRIPT runs as host root in a new, private mount namespace: it mounts the
 * snapshot (overlayfs over the base and its layers), the bind mounts and the apt cache
 * overlay, then becomes the sandbox's uid 0 on the host (SANDBOX_IDS.base, no
 * capabilities on the host) with no_new_privs and makes the user, mount, pid, net, uts
 * and ipc namespaces. Pid 1 there prints "holder <its pid on the host>" and holds the
 * namespaces until its standard input closes. The mounts it inherits are locked: nothing
 * in the sandbox can unmount or remount them (a read-only bind stays read-only).
 *
 * Arguments after the numbers: mode (overlay|direct), tree (for overlay: the lower
 * layers, colon-separated), workdir, the sandbox id base, then triples
 * "source target ro|rw|cache": bind mounts, or (cache) an overlay of the shared apt cache
 * whose writes stay in the snapshot.
 */
export const HOLDER_SCRIPT = String.raw`
use strict; use warnings; use File::Path ();
my ($nr_mount, undef, undef, undef, $mode, $tree, $work, $ids, @m) = @ARGV;
# syscall wants writable strings: copies, not the literals.
sub mnt { my @a = @_; syscall($nr_mount, @a) == 0 or die "mount $a[1]: $!\n" }
my $root = $tree;
if ($mode eq 'overlay') {
  $root = "$work/root";
  mnt('overlay', $root, 'overlay', 0, "lowerdir=$tree,upperdir=$work/upper,workdir=$work/work,volatile");
}
while (@m >= 3) {
  my ($source, $target, $how) = splice(@m, 0, 3);
  my $at = "$root$target";
  File::Path::make_path($at, { owner => $ids, group => $ids }) unless -d $at;
  if ($how eq 'cache') {
    mnt('overlay', $at, 'overlay', 0, "lowerdir=$source,upperdir=$work/cache-upper,workdir=$work/cache-work,volatile");
  } else {
    mnt($source, $at, 'none', 4096, 0);                              # MS_BIND
    mnt('none', $at, 'none', 4096 | 32 | 1, 0) if $how eq 'ro';      # MS_BIND|MS_REMOUNT|MS_RDONLY
  }
}
chdir '/' or die "chdir /: $!\n";
exec { 'setpriv' } 'setpriv', "--reuid=$ids", "--regid=$ids", '--clear-groups', '--no-new-privs', '--',
  'unshare', '--user', '--mount', '--pid', '--net', '--uts', '--ipc', '--fork', '--kill-child', '--',
  'sh', '-c', 'read -r pid _rest < /proc/self/stat; echo "holder $pid"; read -r _line || :', 'holder';
die "setpriv: $!\n";
`;

/**
 * Run as the sandbox's root inside its namespaces once the daemon has written the id
 * maps: what sbuild's unshare mode mounts (device nodes bound from the host, a private
 * devpts, shm, sys and proc of the sandbox's own namespaces), loopback up (the only
 * network there is), the hostname, then pivot_root into the snapshot and detach the
 * host's tree, so no host path is left to reach.
 *
 * It starts in the snapshot's root (nsenter --wd) and uses relative paths: the host
 * folders above the snapshot may be closed to the sandbox's ids. Arguments after the
 * numbers: the name of the snapshot's root folder in its parent, the hostname.
 */
export const SETUP_SCRIPT = String.raw`
use strict; use warnings;
my ($nr_mount, $nr_umount2, $nr_pivot_root, $nr_sethostname, $base, $name) = @ARGV;
# syscall wants writable strings: copies, not the literals.
sub mnt { my @a = @_; syscall($nr_mount, @a) == 0 or die "mount $a[1]: $!\n" }
my ($RDONLY, $NOSUID, $NODEV, $NOEXEC, $BIND, $REC) = (1, 2, 4, 8, 4096, 16384);
mnt('devtmp', 'dev', 'tmpfs', $NOSUID, 'mode=0755,size=1m');
for my $f (qw(null zero full random urandom tty)) {
  open(my $fh, '>', "dev/$f") or die "dev/$f: $!\n"; close $fh;
  mnt("/dev/$f", "dev/$f", 'none', $BIND, 0);
}
my %links = (fd => '/proc/self/fd', stdin => '/proc/self/fd/0', stdout => '/proc/self/fd/1',
  stderr => '/proc/self/fd/2', ptmx => 'pts/ptmx');
for my $l (sort keys %links) { symlink($links{$l}, "dev/$l") or die "dev/$l: $!\n" }
for my $d (qw(pts shm)) { mkdir("dev/$d") or die "dev/$d: $!\n" }
mnt('devpts', 'dev/pts', 'devpts', $NOSUID | $NOEXEC, 'newinstance,gid=5,mode=0620,ptmxmode=0666');
mnt('shm', 'dev/shm', 'tmpfs', $NOSUID | $NODEV, 'mode=1777');
mnt('sysfs', 'sys', 'sysfs', $RDONLY | $NOSUID | $NODEV | $NOEXEC, 0);
mnt('proc', 'proc', 'proc', $NOSUID | $NODEV | $NOEXEC, 0);
# Loopback up: SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP (struct ifreq is 40 bytes).
socket(my $sock, 2, 2, 0) or die "socket: $!\n";                      # AF_INET, SOCK_DGRAM
my $ifr = pack('a16 x24', 'lo');
ioctl($sock, 0x8913, $ifr) or die "lo: $!\n";
$ifr = pack('a16 s x22', 'lo', unpack('x16 s', $ifr) | 1);
ioctl($sock, 0x8914, $ifr) or die "lo up: $!\n";
syscall($nr_sethostname, my $h = $name, length $name) == 0 or die "hostname: $!\n";
# pivot_root wants a mount made in this namespace: the snapshot bound onto itself, and
# entered by a relative path (an absolute one would go through closed folders).
mnt('.', '.', 'none', $BIND | $REC, 0);
chdir "../$base" or die "chdir: $!\n";
syscall($nr_pivot_root, my $new = '.', my $old = '.') == 0 or die "pivot_root: $!\n";
syscall($nr_umount2, my $top = '.', 2) == 0 or die "umount: $!\n";             # MNT_DETACH
`;

/** The host's numbers of the system calls the scripts make: mount, umount2, pivot_root, sethostname. */
export function syscallNumbers(arch: string = process.arch): string[] {
  const numbers: Record<string, number[]> = {
    x64: [165, 166, 155, 170],
    // The generic table (arm64, riscv64, loong64).
    arm64: [40, 39, 41, 161],
    riscv64: [40, 39, 41, 161],
    loong64: [40, 39, 41, 161],
  };
  const found = numbers[arch];
  if (!found) {
    throw new Error(
      `the sandbox runs on x64, arm64, riscv64 and loong64 hosts only, not on ${arch}`,
    );
  }
  return found.map(String);
}
