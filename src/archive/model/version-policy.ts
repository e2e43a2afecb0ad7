import type { Problem } from '../../shared/errors.js';
import type { SuiteSpec } from './layout.js';

/**
 * The version suffix an upload to a suite must carry: `~<repo><codeversion>+<n>`, n ≥ 1,
 * or `+0` for experimental suites (mini-buildd's policy). E.g. `1.0-1~test12+1`.
 */
export function versionPolicyProblems(
  version: string,
  repository: string,
  codeversion: string,
  suite: SuiteSpec,
): Problem[] {
  const tag = `~${repository}${codeversion}+`;
  const index = version.lastIndexOf(tag);
  const counter = index === -1 ? null : version.slice(index + tag.length);
  const example = exampleVersion(repository, codeversion, suite);
  if (counter === null || !/^\d+$/.test(counter)) {
    return [
      {
        where: 'Version',
        message: `${version} does not end in ${tag}${suite.experimental ? '0' : '<n>'} as uploads to ${suite.name} must (e.g. ${example})`,
      },
    ];
  }
  if (suite.experimental && counter !== '0') {
    return [
      {
        where: 'Version',
        message: `${version}: uploads to the experimental suite ${suite.name} end in ${tag}0 (e.g. ${example})`,
      },
    ];
  }
  if (!suite.experimental && !/^[1-9]\d*$/.test(counter)) {
    return [
      {
        where: 'Version',
        message: `${version}: uploads to ${suite.name} end in ${tag}<n> with n ≥ 1 (e.g. ${example})`,
      },
    ];
  }
  return [];
}

/** A version that satisfies the policy, for messages and generated changelog entries. */
export function exampleVersion(
  repository: string,
  codeversion: string,
  suite: SuiteSpec,
  base = '1.0-1',
): string {
  return `${base}~${repository}${codeversion}+${suite.experimental ? 0 : 1}`;
}
