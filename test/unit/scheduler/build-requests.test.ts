import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedDistribution } from '../../../src/archive/archive-config.js';
import { DEFAULT_LAYOUT } from '../../../src/archive/model/layout.js';
import { distributionSpec } from '../../../src/archive/model/repository.js';
import type { LimitOverrides } from '../../../src/chroot/build-limits.js';
import type { BuildView } from '../../../src/scheduler/build-records.js';
import type { UploadRecord } from '../../../src/scheduler/upload-records.js';
import { BuildRequests } from '../../../src/scheduler/build-requests.js';
import { tempDir } from '../../helpers/temp-dir.js';

function requests(home: string, buildLimits: LimitOverrides): BuildRequests {
  const distribution = distributionSpec({
    codename: 'bookworm',
    architectures: ['amd64'],
    buildLimits,
  });
  const resolved: ResolvedDistribution = {
    name: 'bookworm-test-unstable',
    repository: {
      id: 'test',
      description: '',
      layout: 'default',
      allowUnsigned: true,
      distributions: [distribution],
    },
    layout: DEFAULT_LAYOUT,
    distribution,
    suite: DEFAULT_LAYOUT.suites.find((s) => s.name === 'unstable')!,
    rollback: null,
  };
  return new BuildRequests({
    home,
    buildsDir: path.join(home, 'builds'),
    timeLimitMs: 60_000,
    archive: {
      resolve: () => resolved,
      poolFile: (_repo, file) => path.join(home, 'pool', file),
      published: () => true,
      baseUrl: () => 'http://127.0.0.1:8066',
      publicKey: () => '-----BEGIN PGP PUBLIC KEY BLOCK-----\n',
      origin: 'debyard',
    },
  });
}

const build = {
  id: 7,
  codename: 'bookworm',
  architecture: 'amd64',
  archAll: true,
  lintianMode: 'disabled',
  testModes: {},
} as unknown as BuildView;
const upload = {
  distribution: 'bookworm-test-unstable',
  dscFile: 'hello_1.0.dsc',
  files: [],
  options: {},
  spoolPath: 'spool/1',
} as unknown as UploadRecord;

describe('build requests', () => {
  it("carry the distribution's own limits to the builder", async () => {
    const home = tempDir();
    const limits = { memoryBytes: 16 * 1024 ** 3, cpus: 1.5 };
    const request = await requests(home, limits).make(
      build,
      upload,
      'local',
      new AbortController().signal,
    );
    expect(request.limits).toEqual(limits);
  });

  it("carry none when the distribution sets none: the builder's settings apply", async () => {
    const home = tempDir();
    const request = await requests(home, {}).make(
      build,
      upload,
      'local',
      new AbortController().signal,
    );
    expect(request).not.toHaveProperty('limits');
    // No check runs: the request carries no test modes (a peer's old daemon needs none).
    expect(request).not.toHaveProperty('tests');
  });

  it('carry the modes of the test stage when any check runs', async () => {
    const home = tempDir();
    const testModes = { installability: 'errfail', autopkgtest: 'disabled', installtest: 'ignore' };
    const request = await requests(home, {}).make(
      { ...build, testModes },
      upload,
      'local',
      new AbortController().signal,
    );
    expect(request.tests).toEqual(testModes);
  });
});
