import path from 'node:path';
import express from 'express';
import { DEFAULT_LAYOUT } from '../../src/archive/model/layout.js';
import { createReposRouter } from '../../src/web/repos-router.js';
import { IsolatedApt } from './apt.js';
import { openTestArchive, testRepository } from './archive.js';
import { testSigner, type TestArchiveSigner } from './archive-signer.js';
import { serve } from './http.js';

export const CRASH_DIST = 'bookworm-test-unstable';

/**
 * For the crash tests, which run the archive in processes they kill: an archive home under
 * `dir` with repository `test` (amd64) whose layout has only the unstable suite with
 * `rollbacks` rollbacks (few distributions to publish), its tree served over HTTP, and an
 * isolated apt with it as its only source.
 */
export async function crashArchiveHome(
  dir: string,
  rollbacks: number,
): Promise<{ signer: TestArchiveSigner; home: string; reposRoot: string; apt: IsolatedApt }> {
  const signer = await testSigner(dir);
  const home = path.join(dir, 'home');
  const setup = openTestArchive({ home, signer, repositories: [] });
  setup.config.saveLayout({
    name: 'crash',
    suites: [{ ...DEFAULT_LAYOUT.suites[1]!, migratesTo: null, rollbacks }],
  });
  setup.config.createRepository({ ...testRepository(['amd64']), layout: 'crash' });
  setup.close();
  const reposRoot = path.join(home, 'repos');
  const app = express();
  app.use(createReposRouter({ reposRoot }));
  const apt = new IsolatedApt(path.join(dir, 'apt'), 'amd64');
  apt.addSource('crash', {
    uri: `${await serve(app)}/repos/test`,
    suites: [CRASH_DIST],
    components: ['main'],
    signedBy: signer.keyFile,
  });
  return { signer, home, reposRoot, apt };
}
