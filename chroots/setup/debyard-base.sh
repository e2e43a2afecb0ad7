#!/bin/sh
# Prepares a base chroot for debyard builds. Run after mmdebstrap inside a sandbox on
# the new tree, as `sh debyard-base.sh /` (the chroot's path as $1, as a customize hook).
set -eu
root="$1"

# The unprivileged build user; the daemon runs builds as uid/gid 2000.
chroot "$root" groupadd --gid 2000 debyard
chroot "$root" useradd --uid 2000 --gid 2000 --home-dir /nonexistent --no-create-home \
  --shell /bin/sh --comment "debyard build user" debyard

# Mount point of the build folder, and the names builds see.
mkdir -p "$root/build"
echo debyard > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebyard\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
  > "$root/etc/hosts"

# apt as buildds use it: no recommends, no translations, retries on a flaky mirror.
cat > "$root/etc/apt/apt.conf.d/90debyard" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
Acquire::Retries "3";
APT

# Installing build dependencies need not index manual pages.
echo "man-db man-db/auto-update boolean false" | chroot "$root" debconf-set-selections

# Services never start inside a chroot.
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

# No downloaded packages in the base, but apt's binary caches ready for every build.
chroot "$root" apt-get clean
chroot "$root" apt-cache gencaches
