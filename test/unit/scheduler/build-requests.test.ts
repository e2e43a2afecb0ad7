import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedDistribution } from '../../../src/archive/archive-config.js';
import { DEFAULT_LAYOUT } from '../../../src/archive/model/layout.js';
import { distributionSpec } from '../../../src/archive/model/repository.js';
import type { LimitOverrides } from '../../../src/chroot/build-limits.js';
import { validateBuildRequest } from '../../../src/builder/build-request.js';
import type { ExtraSourceRecord } from '../../../src/archive/extra-sources/extra-source-records.js';
import type { BuildView } from '../../../src/scheduler/build-records.js';
import type { UploadRecord } from '../../../src/scheduler/upload-records.js';
import { BuildRequests } from '../../../src/scheduler/build-requests.js';
import { tempDir } from '../../fixtures/index.js';

function requests(
  home: string,
  buildLimits: LimitOverrides,
  extraSources?: (distribution: string) => ExtraSourceRecord[],
): BuildRequests {
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
    extraSources,
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

  it('add the extra sources of the distribution, each with its key and priority', async () => {
    const home = tempDir();
    const asked: string[] = [];
    const extra = {
      name: 'extras',
      url: 'http://apt.example.org/',
      suites: ['outside'],
      components: ['main'],
      distributions: ['bookworm-test-unstable'],
      armoredKey:
        '-----BEGIN PGP PUBLIC KEY BLOCK-----\nxjMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n',
      keyFingerprints: [],
      unsigned: false,
      priority: 700,
      origin: 'outside',
      auth: { login: 'ci', password: 'pw' },
      createdAt: '',
    };
    const request = await requests(home, {}, (distribution) => {
      asked.push(distribution);
      return [extra];
    }).make(build, upload, 'local', new AbortController().signal);
    expect(asked).toEqual(['bookworm-test-unstable']);
    const stanzas = request.extraApt!.sources.split('\n\n');
    expect(stanzas).toHaveLength(2);
    expect(stanzas[0]).toContain('URIs: http://127.0.0.1:8066/repos/test/');
    expect(stanzas[1]).toMatch(
      /^Types: deb\nURIs: http:\/\/apt\.example\.org\/\nSuites: outside\n/,
    );
    expect(stanzas[1]).toContain('Signed-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n xjMEZ\n');
    expect(request.extraApt!.preferences).toContain('Pin: release o=outside\nPin-Priority: 700');
    expect(request.extraApt!.auth).toBe('machine http://apt.example.org login ci password pw\n');
    expect(() => validateBuildRequest(request)).not.toThrow();
  });
});
