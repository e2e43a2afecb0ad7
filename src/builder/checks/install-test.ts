import path from 'node:path';
import { rootEnv } from '../build-env.js';
import type { BuildSession } from '../build-session.js';
import {
  debsInside,
  openUpdatedCheckSession,
  type CheckContext,
  type CheckLog,
  type CheckVerdict,
} from './check-session.js';
import { failedScripts, listTreeCommand, somePaths, treeChanges } from './tree-diff.js';

/**
 * The install test (as piuparts does it, on a snapshot instead of a tarball): in a fresh
 * snapshot of the plain base, install the built packages with their dependencies from
 * the base's mirrors and the repository's suites, purge them (and the dependencies they
 * pulled in), compare the file tree with the one before, and install them again. Fails
 * on a failed installation, purge or reinstall (naming the maintainer script that
 * failed) and on files the purge left behind or took away.
 */
export async function checkInstallTest(
  context: CheckContext,
  log: CheckLog,
  workDir: string,
): Promise<CheckVerdict> {
  const { session, close } = await openUpdatedCheckSession(
    context,
    'installtest',
    log,
    workDir,
    [],
  );
  try {
    await listTree(session, '/tmp/tree-before');
    const debs = debsInside(context);
    const names = [...new Set(context.debs.map((deb) => path.basename(deb).split('_')[0]!))];
    const install = ['apt-get', 'install', '-y', ...debs];
    // Only the download has network: maintainer scripts run without.
    const fetched = await step(
      session,
      [...install.slice(0, 2), '--download-only', ...install.slice(2)],
      true,
    );
    if (fetched.failed) return { result: 'fail', reason: `the dependencies cannot be downloaded` };
    const installed = await step(session, install);
    if (installed.failed)
      return { result: 'fail', reason: failure('installation failed', installed.output) };
    const purged = await step(session, ['apt-get', 'purge', '-y', '--autoremove', ...names]);
    if (purged.failed) return { result: 'fail', reason: failure('purge failed', purged.output) };
    await listTree(session, '/tmp/tree-after');
    const compared = await session.must(
      ['comm', '-3', '/tmp/tree-before', '/tmp/tree-after'],
      { as: 'root', env: { ...rootEnv(), LC_ALL: 'C' } },
      'cannot compare the file trees',
    );
    const changes = treeChanges(compared.stdout);
    const reinstalled = await step(session, install);
    const problems: string[] = [];
    if (changes.left.length > 0)
      problems.push(`files left after purge: ${somePaths(changes.left)}`);
    if (changes.gone.length > 0)
      problems.push(`files gone after purge: ${somePaths(changes.gone)}`);
    if (reinstalled.failed) problems.push(failure('reinstall failed', reinstalled.output));
    if (problems.length > 0) return { result: 'fail', reason: problems.join('; ') };
    return { result: 'pass', reason: `${names.join(', ')}: install, purge and reinstall clean` };
  } finally {
    await close();
  }
}

async function step(
  session: BuildSession,
  argv: string[],
  network = false,
): Promise<{ failed: boolean; output: string }> {
  const result = await session.run(argv, { as: 'root', network });
  return {
    failed: result.exitCode !== 0 || result.timedOut === true,
    output: `${result.stdout}\n${result.stderr}`,
  };
}

function failure(what: string, output: string): string {
  const scripts = failedScripts(output);
  return scripts.length > 0 ? `${what}: ${scripts.join(', ')} failed` : what;
}

async function listTree(session: BuildSession, out: string): Promise<void> {
  await session.must(
    ['sh', '-c', listTreeCommand(out)],
    { as: 'root', quiet: true },
    'cannot list the file tree',
  );
}
