/** What the version policy of the target suite asks for (see archive/model/version-policy). */
export interface SnapshotPolicy {
  repository: string;
  codeversion: string;
  experimental: boolean;
}

/**
 * The version of a branch build: `<changelog version>+git<YYYYMMDDhhmmss>.<shorthash>`,
 * so that every newer commit makes a higher version, with the suite's
 * `~<repo><codeversion>+<n>` kept at the end (or added, +1, +0 for experimental).
 * E.g. 1.0-1~test12+1 at abc1234 → 1.0-1+git20261206120000.abc1234~test12+1.
 * With `inUpstream` (3.0 (quilt): each commit's upstream tree makes its own
 * .orig.tar.gz, which needs its own upstream version) the stamp goes into the upstream
 * part: 1.0+git20261206120000.abc1234-1~test12+1.
 */
export function snapshotVersion(
  changelogVersion: string,
  commit: { id: string; time: Date },
  policy: SnapshotPolicy,
  inUpstream = false,
): string {
  const tag = `~${policy.repository}${policy.codeversion}+`;
  const at = changelogVersion.lastIndexOf(tag);
  const counter = at === -1 ? '' : changelogVersion.slice(at + tag.length);
  const kept = /^\d+$/.test(counter);
  const base = kept ? changelogVersion.slice(0, at) : changelogVersion;
  const suffix = kept ? `${tag}${counter}` : `${tag}${policy.experimental ? 0 : 1}`;
  const stamp = commit.time.toISOString().replace(/\D/g, '').slice(0, 14);
  const snapshot = `+git${stamp}.${commit.id.slice(0, 7)}`;
  const dash = base.lastIndexOf('-');
  if (inUpstream && dash > 0) {
    return `${base.slice(0, dash)}${snapshot}${base.slice(dash)}${suffix}`;
  }
  return `${base}${snapshot}${suffix}`;
}
