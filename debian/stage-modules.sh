#!/bin/sh
# Stages what the package ships under /usr/lib/debyard into $1: the compiled daemon, its
# templates, static files and chroot definitions, and the production npm modules (from
# the node_modules that `npm ci` built, pruned of development modules, prebuilt
# binaries for other systems and native build leftovers).
set -eu
stage=$1
arch=$(node -p process.arch)
rm -rf "$stage"
mkdir -p "$stage"
cp -a dist templates static chroots package.json package-lock.json node_modules "$stage/"
(cd "$stage" && npm prune --omit=dev --ignore-scripts --no-audit --no-fund)
rm "$stage/package-lock.json"
modules=$stage/node_modules
find "$modules" -depth -type d -name prebuilds | while read -r dir; do
	find "$dir" -mindepth 1 -maxdepth 1 ! -name "linux-$arch" -exec rm -rf {} +
done
for dir in obj.target obj .deps; do
	find "$modules" -depth -type d -path "*/build/Release/$dir" -exec rm -rf {} +
done
find "$modules" -depth -type d -name node_gyp_bins -exec rm -rf {} +
# Windows-only sources; scripts that download at build time; docs that load from CDNs;
# files for npm, git and eslint.
rm -rf "$modules/node-pty/deps/winpty"
find "$modules" -type f \( -name '*.py' -o -name '*.html' -o -name '.npmignore' -o -name '.eslintrc*' \
	-o -name '.gitignore' -o -name '.gitattributes' -o -name '.gitmodules' \) -delete
find "$modules" -type f \( -name '*.o' -o -name '*.a' -o -name '*.js.map' -o -name '*.d.ts.map' \
	-o -name 'Makefile' -o -name '*.mk' -o -name 'config.gypi' -o -name 'test_extension.node' \) -delete
# Scripts (#!) are executable, nothing else is (native modules are loaded, not run).
find "$stage" -type f | while read -r file; do
	if [ "$(head -c 2 "$file")" = '#!' ]; then chmod a+x "$file"; else chmod a-x "$file"; fi
done
sed 's|^home = "./var"|home = "/var/lib/debyard"|' etc/debyard.toml > "$stage/debyard.toml"
grep -q '^home = "/var/lib/debyard"$' "$stage/debyard.toml"
