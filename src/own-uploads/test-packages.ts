import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ArchiveConfig } from '../archive/archive-config.js';
import type { EventLog } from '../events/event-log.js';
import type { Clock } from '../shared/clock.js';
import { InvalidInputError } from '../shared/errors.js';
import type { Requester } from '../incoming/requester.js';
import type { InternalUploader, InternalUploadOutcome } from './internal-uploader.js';
import { changelogEntry } from './port-version.js';
import { pickVersion, type PortArchive } from './ports.js';
import type { SourceFactory } from './source-factory.js';
import { renderTemplateTree } from './template-tree.js';

/** The built-in test sources, with what should become of each. */
export const TEST_PACKAGES = {
  'debyard-test-all': 'INSTALLED',
  'debyard-test-any': 'INSTALLED',
  'debyard-test-ftbfs': 'FAILED',
} as const;
export type TestPackageName = keyof typeof TEST_PACKAGES;

export interface TestPackageOutcome extends InternalUploadOutcome {
  distribution: string;
  /** Where it got: the incoming's decision, then the pipeline's last word so far. */
  result: string;
  expected: string;
  /** The result is the expected one. */
  ok: boolean;
}

export interface TestPackagesDeps {
  config: ArchiveConfig;
  archive: Pick<PortArchive, 'uploadProblems'>;
  factory: SourceFactory;
  uploader: InternalUploader;
  events: EventLog;
  /** `templates/test-packages`. */
  templates: string;
  workRoot: string;
  maintainer: { name: string; address: string };
  clock: Clock;
}

const FINAL = ['INSTALLED', 'FAILED', 'REJECTED', 'CANCELLED'];

/**
 * Uploads the built-in test sources (an Architecture: all script, a C program, and one
 * that fails to build) through the whole pipeline, and reports what became of each,
 * waiting up to `waitSeconds` for the builds to end.
 */
export class TestPackages {
  constructor(private readonly deps: TestPackagesDeps) {}

  async upload(
    input: {
      distribution: string;
      packages?: TestPackageName[];
      waitSeconds: number;
      requester: Requester;
    },
    signal?: AbortSignal,
  ): Promise<TestPackageOutcome[]> {
    const target = this.deps.config.resolve(input.distribution);
    if (target.rollback !== null || !target.suite.uploadable) {
      throw new InvalidInputError(
        `${input.distribution} takes no uploads; name an uploadable suite`,
      );
    }
    const names = input.packages ?? (Object.keys(TEST_PACKAGES) as TestPackageName[]);
    const stamp = this.deps.clock.now().toISOString().replace(/\D/g, '').slice(0, 14);
    const uploads: InternalUploadOutcome[] = [];
    for (const name of names) {
      const version = pickVersion(this.deps.archive, target, name, `0.${stamp}`, null);
      uploads.push(
        await this.uploadOne(
          { name, version, distribution: target.name, codename: target.distribution.codename },
          input.requester,
          signal,
        ),
      );
    }
    await this.waitForEnds(uploads, input.waitSeconds * 1000, signal);
    return uploads.map((u) => {
      const result = this.result(u);
      const expected = TEST_PACKAGES[u.source as TestPackageName];
      return { ...u, distribution: target.name, result, expected, ok: result === expected };
    });
  }

  private async uploadOne(
    what: { name: TestPackageName; version: string; distribution: string; codename: string },
    requester: Requester,
    signal?: AbortSignal,
  ): Promise<InternalUploadOutcome> {
    const { name, version, distribution, codename } = what;
    const tree = path.join(this.deps.workRoot, `${name}-${randomBytes(6).toString('hex')}`);
    const { maintainer } = this.deps;
    const contact = `${maintainer.name} <${maintainer.address}>`;
    try {
      await renderTemplateTree(path.join(this.deps.templates, name), tree, {
        maintainer: contact,
        maintainerName: maintainer.name,
      });
      await fs.writeFile(
        path.join(tree, 'debian', 'changelog'),
        changelogEntry({
          source: name,
          version,
          distribution,
          lines: ['* Test upload of the debyard daemon (test_packages).'],
          maintainer: contact,
          date: this.deps.clock.now(),
        }),
      );
      const made = await this.deps.factory.build({ tree, codename, source: name, version }, signal);
      try {
        return await this.deps.uploader.upload(made, requester, signal);
      } finally {
        await made.dispose();
      }
    } finally {
      await fs.rm(tree, { recursive: true, force: true });
    }
  }

  /** The newest pipeline event of an accepted upload, else the incoming's decision. */
  private result(upload: InternalUploadOutcome): string {
    if (upload.uploadId === null || upload.state !== 'ACCEPTED') return upload.state;
    const [latest] = this.deps.events.list({ uploadId: upload.uploadId, limit: 1 });
    return latest?.type ?? upload.state;
  }

  private async waitForEnds(
    uploads: readonly InternalUploadOutcome[],
    ms: number,
    signal?: AbortSignal,
  ): Promise<void> {
    const open = () => uploads.filter((u) => !FINAL.includes(this.result(u)));
    if (ms <= 0 || open().length === 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        unsubscribe();
        clearTimeout(timer);
        resolve();
      };
      const unsubscribe = this.deps.events.subscribe(() => {
        if (open().length === 0) done();
      });
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
