import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { autopkgtestVerdict } from './autopkgtest-summary.js';
import {
  debsInside,
  openUpdatedCheckSession,
  type CheckContext,
  type CheckLog,
  type CheckVerdict,
} from './check-session.js';
import { qaLayer } from './installability.js';
import { testEntries, unavailableTests } from './test-control.js';

const skippedText = (tests: readonly { name: string; reason: string }[]): string =>
  tests.map((test) => `${test.name} (${test.reason})`).join(', ');

/** A test may run this long (autopkgtest's --timeout-test); the build's limit bounds all. */
const TEST_TIMEOUT_S = 600;

/**
 * autopkgtest of the built packages, when the source has debian/tests/control: in a
 * fresh snapshot of the base (with autopkgtest in the tools layer), through autopkgtest's
 * `null` virtualisation server, so the snapshot is the testbed. Tests whose Restrictions
 * the sandbox cannot meet (isolation-container, isolation-machine, breaks-testbed,
 * needs-reboot, needs-internet: see test-control.ts) are skipped with that reason;
 * autopkgtest honours the rest (needs-root: the sandbox's root; allow-stderr, skippable,
 * flaky, superficial). Test
 * dependencies (`@`, `@builddeps@`) come from the base's mirrors and the repository's
 * suites, the built packages in place of the suite's; the network reaches those and
 * nothing else.
 */
export async function checkAutopkgtest(
  context: CheckContext,
  log: CheckLog,
  workDir: string,
): Promise<CheckVerdict> {
  const control = path.join(
    context.buildDir,
    path.basename(context.sourceDir),
    'debian/tests/control',
  );
  if (!existsSync(control))
    return { result: 'skip', reason: 'the source has no debian/tests/control' };
  const entries = testEntries(await readFile(control, 'utf8'));
  const skipped = unavailableTests(entries);
  for (const test of skipped) log.write(`${test.name}: skipped: ${test.reason}\n`);
  if (skipped.length === entries.length) {
    return { result: 'skip', reason: `no test can run here: ${skippedText(skipped)}` };
  }
  const layer = await qaLayer(context, log);
  const { session, close } = await openUpdatedCheckSession(context, 'autopkgtest', log, workDir, [
    layer,
  ]);
  try {
    const summary = '/tmp/autopkgtest-summary';
    const run = await session.run(
      [
        'autopkgtest',
        '--no-built-binaries',
        `--timeout-test=${TEST_TIMEOUT_S}`,
        '--output-dir=/tmp/autopkgtest-out',
        `--summary-file=${summary}`,
        ...skipped.map((test) => `--skip-test=${test.name}`),
        ...debsInside(context),
        `${context.sourceDir}/`,
        '--',
        'null',
      ],
      { as: 'root', network: true },
    );
    const read = await session.run(['sh', '-c', 'cat "$1" 2>/dev/null || true', 'read', summary], {
      as: 'root',
      quiet: true,
    });
    const ours = skipped.map((test) => `${test.name} SKIP ${test.reason}`).join('\n');
    return autopkgtestVerdict(run.signal ? null : run.exitCode, `${read.stdout}\n${ours}`);
  } finally {
    await close();
  }
}
