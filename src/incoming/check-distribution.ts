import type { ArchiveConfig, ResolvedDistribution } from '../archive/archive-config.js';
import { formatDistributionName } from '../archive/model/distribution-name.js';
import { versionPolicyProblems } from '../archive/model/version-policy.js';
import { compareVersions, isValidVersion } from '../debian/version.js';
import { isAppError, type Problem } from '../shared/errors.js';
import type { ArchiveQueries } from './archive-queries.js';

/** Uploads on their way into the archive (see SETTLED_UPLOAD_STATES). */
export interface UploadsInFlight {
  /** The unsettled uploads of a source version into a repository, oldest first. */
  inFlight(repository: string, source: string, version: string): { id: number; state: string }[];
}

export interface DistributionCheckDeps {
  config: ArchiveConfig;
  archive: ArchiveQueries;
  uploads: UploadsInFlight;
  aliases: Readonly<Record<string, string>>;
}

/**
 * The target of an upload: one distribution, known (directly or by alias), not a
 * rollback, of an uploadable suite; and the version: the suite's version policy,
 * higher than the suite's, new to the whole repository, its archive and the uploads on
 * their way into it (accepted, building, built: a replayed .changes is refused; once
 * such an upload failed, its version may be uploaded again).
 */
export function checkDistribution(
  deps: DistributionCheckDeps,
  upload: { where: string; distributions: string[]; source: string; version: string },
): { target?: ResolvedDistribution; problems: Problem[] } {
  const { where } = upload;
  if (upload.distributions.length !== 1) {
    const named = upload.distributions.join(' ') || 'none';
    return {
      problems: [
        {
          where,
          message: `an upload goes to exactly one distribution; Distribution names ${named}`,
        },
      ],
    };
  }
  const written = upload.distributions[0]!;
  const name = deps.aliases[written] ?? written;
  let target: ResolvedDistribution;
  try {
    target = deps.config.resolve(name);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { problems: [{ where, message: error.message }] };
  }
  const problems = suiteProblems(target, where);
  if (upload.source && isValidVersion(upload.version)) {
    problems.push(...versionProblems(deps, target, upload));
  }
  return { target, problems };
}

function suiteProblems(target: ResolvedDistribution, where: string): Problem[] {
  const { repository, distribution, suite, layout } = target;
  const base = formatDistributionName({
    codename: distribution.codename,
    repository: repository.id,
    suite: suite.name,
    rollback: null,
  });
  if (target.rollback !== null) {
    return [
      {
        where,
        message: `${target.name} is a rollback distribution, which takes no uploads; upload to ${base}`,
      },
    ];
  }
  if (!suite.uploadable) {
    const uploadable = layout.suites.filter((s) => s.uploadable).map((s) => s.name);
    return [
      {
        where,
        message: `${target.name} takes no uploads: packages reach ${suite.name} by migration (uploadable suites: ${uploadable.join(', ')})`,
      },
    ];
  }
  return [];
}

function versionProblems(
  deps: DistributionCheckDeps,
  target: ResolvedDistribution,
  upload: { where: string; source: string; version: string },
): Problem[] {
  const { repository, distribution, suite } = target;
  const problems: Problem[] = versionPolicyProblems(
    upload.version,
    repository.id,
    distribution.codeversion,
    suite,
  ).map((p) => ({ where: upload.where, message: p.message }));
  const current = deps.archive.currentVersion(target.name, upload.source);
  if (current !== null && compareVersions(upload.version, current) <= 0) {
    problems.push({
      where: upload.where,
      message: `version ${upload.version} is not higher than ${current}, the version of ${upload.source} in ${target.name}`,
    });
  }
  const holders = deps.archive.distributionsWithVersion(
    repository.id,
    upload.source,
    upload.version,
  );
  if (holders.length > 0) {
    problems.push({
      where: upload.where,
      message: `${upload.source} ${upload.version} is already in repository ${repository.id} (in ${holders.join(', ')}); a version is uploaded only once: raise it`,
    });
  }
  const moving = deps.uploads.inFlight(repository.id, upload.source, upload.version)[0];
  if (moving) {
    problems.push({
      where: upload.where,
      message: `${upload.source} ${upload.version} is already being uploaded to repository ${repository.id} (upload ${moving.id}, ${moving.state}); a version is uploaded only once: raise it, or upload it again should upload ${moving.id} fail`,
    });
  }
  return problems;
}
