import path from 'node:path';
import { StageFailure } from '../build-session.js';
import { toolLayer } from '../tool-layer.js';
import {
  debsInside,
  openUpdatedCheckSession,
  type CheckContext,
  type CheckLog,
  type CheckVerdict,
} from './check-session.js';
import { brokenPackages, installabilityVerdict } from './dose-report.js';

/** The tools of the test stage, in one layer over the base: dose-distcheck and autopkgtest. */
export const QA_LAYER = { name: 'qa', packages: ['dose-distcheck', 'autopkgtest'] } as const;

export async function qaLayer(context: CheckContext, log: CheckLog): Promise<string> {
  return toolLayer(context.lease, QA_LAYER.name, QA_LAYER.packages, {
    runner: context.runner,
    log,
    signal: context.signal,
  });
}

/**
 * Splits the package lists apt has into the target suite's and the rest (the base's
 * mirrors and the repository's other suites), writes the new packages' control stanzas,
 * and the target suite as it would be with them in (their older versions out).
 */
const GATHER = String.raw`
set -eu
dist="$1"; shift
w=/tmp/installability; rm -rf "$w"; mkdir -p "$w"; : > "$w/suite"; : > "$w/background"; : > "$w/new"
for f in /var/lib/apt/lists/*_Packages /var/lib/apt/lists/*_Packages.*; do
  [ -e "$f" ] || continue
  case "$f" in *_dists_"$dist"_*) out="$w/suite" ;; *) out="$w/background" ;; esac
  /usr/lib/apt/apt-helper cat-file "$f" >> "$out"; echo >> "$out"
done
for deb in "$@"; do dpkg-deb --field "$deb" >> "$w/new"; echo >> "$w/new"; done
sed -n 's/^Package: //p' "$w/new" | sort -u > "$w/new-names"
awk 'NR == FNR { drop[$0] = 1; next }
  /^$/ { if (keep && text != "") printf "%s\n", text; text = ""; keep = 1; next }
  /^Package: / { if ($2 in drop) keep = 0 }
  { text = text $0 "\n" }
  END { if (keep && text != "") printf "%s\n", text }' keep=1 "$w/new-names" "$w/suite" > "$w/suite-after"
echo "suite: $(grep -c '^Package:' "$w/suite" || true) packages; background: $(grep -c '^Package:' "$w/background" || true); new: $(wc -l < "$w/new-names")"
`;

/**
 * Installability: dose-distcheck over the target suite's packages before and after the
 * new ones come in (the base's mirrors and the repository's other suites as background):
 * every new package must be installable, and no package of the suite that was
 * installable may become broken.
 */
export async function checkInstallability(
  context: CheckContext,
  log: CheckLog,
  workDir: string,
): Promise<CheckVerdict> {
  const layer = await qaLayer(context, log);
  const { session, close } = await openUpdatedCheckSession(
    context,
    'installability',
    log,
    workDir,
    [layer],
  );
  try {
    await session.must(
      ['sh', '-c', GATHER, 'gather', context.distribution, ...debsInside(context)],
      { as: 'root' },
      'cannot gather the package lists',
    );
    const dose = async (foreground: string[]) => {
      const args = ['dose-distcheck', `--deb-native-arch=${context.architecture}`, '-f', '-e'];
      for (const file of foreground) args.push('--fg', `deb:///tmp/installability/${file}`);
      args.push('--bg', 'deb:///tmp/installability/background');
      const result = await session.run(args, { as: 'root' });
      // 0: all installable, 1: some broken; anything else: dose itself failed.
      if (result.exitCode !== 0 && result.exitCode !== 1)
        throw new StageFailure(`dose-distcheck failed (exit status ${result.exitCode})`);
      return brokenPackages(result.stdout);
    };
    const before = await dose(['suite']);
    const after = await dose(['suite-after', 'new']);
    const names = context.debs.map((deb) => path.basename(deb).split('_')[0]!);
    return installabilityVerdict({
      before,
      after,
      newPackages: [...new Set(names)],
      distribution: context.distribution,
    });
  } finally {
    await close();
  }
}
