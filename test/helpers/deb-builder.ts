import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { BuildRequest, BuildResult } from '../../src/builder/build-request.js';
import type { Builder } from '../../src/builder/builder.js';
import type { ChrootKey } from '../../src/chroot/chroot-paths.js';
import { buildDeb } from './packages/debs.js';

/**
 * A builder for pages and pipelines without chroots: instead of building, it makes a real
 * .deb of the upload's source and version for the build's architecture (dpkg-deb), so the
 * daemon installs, publishes and shows it as a built package. `durationMs` says how long
 * each build claims it took.
 */
export class DebBuilder implements Builder {
  readonly name: string;

  constructor(
    private readonly chroots: ChrootKey[],
    private readonly durationMs: (request: BuildRequest) => number = () => 1000,
    name = 'debs',
  ) {
    this.name = name;
  }

  capacity = () => 2;
  available = () => true;
  readyChroots = () => this.chroots;

  async build(request: BuildRequest, signal: AbortSignal): Promise<BuildResult> {
    const dsc = readFileSync(request.dsc, 'utf8');
    const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(dsc)![1]!.trim();
    const [source, version] = [field('Source'), field('Version')];
    mkdirSync(request.resultDir, { recursive: true });
    const started = new Date().toISOString();
    const deb = buildDeb(request.resultDir, {
      name: source,
      version,
      architecture: request.architecture,
      files: {
        [`usr/bin/${source}`]: `#!/bin/sh\necho ${source} ${version} for ${request.architecture}\n`,
        [`usr/share/doc/${source}/README`]: `${source} ${version}\n`,
      },
    });
    writeFileSync(
      request.logFile,
      `made ${deb} on ${this.name} instead of building ${source} ${version}\nStatus: successful\n`,
    );
    const totalTimeMs = this.durationMs(request);
    const status = signal.aborted ? 'cancelled' : 'successful';
    return {
      id: request.id,
      status,
      failStage: null,
      reason: status === 'cancelled' ? 'cancelled' : null,
      package: source,
      version,
      architecture: request.architecture,
      changes: null,
      files: status === 'successful' ? [deb] : [],
      logFile: request.logFile,
      lintian: 'disabled',
      startedAt: started,
      buildTimeMs: totalTimeMs - 10,
      installTimeMs: 5,
      totalTimeMs,
      setupTimeMs: 5,
    };
  }
}
