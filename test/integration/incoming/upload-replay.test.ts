import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dputConf } from '../../../src/incoming/dput-conf.js';
import { buildSourcePackage, persistentTempDir, type SourcePackage } from '../../fixtures/index.js';
import { type IncomingHarness, startIncomingHarness } from '../../fixtures/subsystems.js';

// Issue 23.4: the same .changes sent again while its first upload is on its way in.
const run = promisify(execFile);

let root: string;
let h: IncomingHarness;
let dputCf: string;

beforeAll(async () => {
  root = persistentTempDir('debyard-replay-');
  h = await startIncomingHarness(path.join(root, 'home'), {
    builders: { buildableArchitectures: () => ['amd64'] },
  });
  dputCf = path.join(root, 'dput.cf');
  writeFileSync(
    dputCf,
    dputConf({
      identity: 'testyard',
      host: '127.0.0.1',
      ftpPort: h.ftpPort,
      repositories: h.config.repositories(),
    }),
  );
}, 60_000);

afterAll(async () => {
  await h?.stop();
  if (!process.env.KEEP) rmSync(root, { recursive: true, force: true });
});

/** Debian's dput, forced (-f) to send what it sent before, as a replay does. */
async function dput(pkg: SourcePackage) {
  const seen = h.incoming.uploads.list({ limit: 10_000 }).length;
  await run('dput', ['-f', '-c', dputCf, 'debyard-testyard-test', pkg.changes], {
    cwd: pkg.dir,
    env: { ...process.env, HOME: root },
  });
  await expect
    .poll(() => h.incoming.uploads.list({ limit: 10_000 }).length, { timeout: 20_000 })
    .toBe(seen + 1);
  return h.incoming.uploads.list({ limit: 1 })[0]!;
}

const move = (id: number, from: string, to: string) =>
  expect(h.incoming.uploads.transition(id, [from], to, new Date())).toBe(true);

describe('the same upload sent again', () => {
  it('is refused while the first is on its way in, naming it; once that failed, it is taken again', async () => {
    const pkg = await buildSourcePackage(path.join(root, 'hello'), {
      source: 'hello',
      revision: '1~test12+1',
      distribution: 'bookworm-test-unstable',
    });
    const first = await dput(pkg);
    expect(first).toMatchObject({ state: 'ACCEPTED', version: '1.0-1~test12+1' });
    const refusal = (id: number, state: string) =>
      `${pkg.changes}: hello 1.0-1~test12+1 is already being uploaded to repository test (upload ${id}, ${state}); a version is uploaded only once: raise it, or upload it again should upload ${id} fail`;

    // Right after ACCEPTED, and at every later step before the install.
    const replay = await dput(pkg);
    expect(replay.state).toBe('REJECTED');
    expect(replay.reasons).toEqual([refusal(first.id, 'ACCEPTED')]);
    const [event] = h.events.list({ uploadId: replay.id, types: ['REJECTED'] });
    expect(event!.message).toContain(refusal(first.id, 'ACCEPTED'));
    for (const [from, to] of [
      ['ACCEPTED', 'PACKAGING'],
      ['PACKAGING', 'BUILDING'],
      ['BUILDING', 'BUILT'],
    ] as const) {
      move(first.id, from, to);
      expect((await dput(pkg)).reasons).toEqual([refusal(first.id, to)]);
    }
    // Only the first one was accepted: one upload, so one build.
    const accepted = h.incoming.uploads.list({ source: 'hello' }).filter((u) => !u.reasons.length);
    expect(accepted.map((u) => u.id)).toEqual([first.id]);

    // Its builds failed: the same version may be uploaded again (and then only once).
    move(first.id, 'BUILT', 'FAILED');
    const again = await dput(pkg);
    expect(again).toMatchObject({ state: 'ACCEPTED', version: '1.0-1~test12+1' });
    expect((await dput(pkg)).reasons).toEqual([refusal(again.id, 'ACCEPTED')]);
  });

  it('is refused in the other suites of the repository too', async () => {
    const pkg = await buildSourcePackage(path.join(root, 'elsewhere'), {
      source: 'elsewhere',
      revision: '1~test12+1',
      distribution: 'bookworm-test-unstable',
    });
    const first = await dput(pkg);
    const hotfix = await buildSourcePackage(path.join(root, 'elsewhere-hotfix'), {
      source: 'elsewhere',
      revision: '1~test12+1',
      distribution: 'bookworm-test-hotfix',
    });
    const record = await dput(hotfix);
    expect(record.reasons).toEqual([
      `${hotfix.changes}: elsewhere 1.0-1~test12+1 is already being uploaded to repository test (upload ${first.id}, ACCEPTED); a version is uploaded only once: raise it, or upload it again should upload ${first.id} fail`,
    ]);
  });
});
