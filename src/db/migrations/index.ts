import type { Migration } from '../migrations.js';
import { initial } from './001-initial.js';
import { repositories } from './010-repositories.js';
import { archivePackages } from './011-archive-packages.js';
import { archivePublishing } from './012-archive-publishing.js';
import { distributionLimits } from './013-distribution-limits.js';
import { uploads } from './020-uploads.js';
import { uploadRequesters } from './021-upload-requesters.js';
import { chroots } from './030-chroots.js';
import { builds } from './040-builds.js';
import { buildLogCap } from './042-build-log-cap.js';
import { remotes } from './045-remotes.js';
import { auth } from './050-auth.js';
import { snapshots } from './060-snapshots.js';
import { notifications } from './061-notifications.js';
import { buildEmulation } from './070-build-emulation.js';
import { extraSources } from './080-extra-sources.js';
import { buildDepwait } from './081-build-depwait.js';
import { mirrors } from './082-mirrors.js';
import { testStage } from './090-test-stage.js';
import { binaryUploads } from './095-binary-uploads.js';
import { gitSources } from './100-git-sources.js';
import { gitLayouts } from './102-git-layouts.js';
import { gitStatus } from './101-git-status.js';
import { eventActors } from './110-event-actors.js';
import { privateRepositories } from './111-private-repositories.js';
import { eventRepositoriesColumn } from './112-event-repositories.js';
import { gitWatch } from './150-git-watch.js';
import { archiveDirtySources } from './151-archive-dirty-sources.js';

/**
 * Every schema migration, in any order (applyMigrations sorts them and applies each one
 * the database has not recorded yet, so a late migration with a lower number still runs).
 * Number ranges per domain keep parallel work apart: 1-9 foundation, 10-19 archive,
 * 20-29 incoming, 30-39 chroots/builds, 40-49 scheduler/remotes, 50-59 API/auth,
 * 60-69 maintenance (snapshots, hooks, webhooks), 70-79 architectures, 80-89 packages from
 * outside, 90-99 the test stage, 100-109 git sources, 110-119 keys, private repositories, audit.
 */
export const MIGRATIONS: readonly Migration[] = [
  initial,
  repositories,
  archivePackages,
  archivePublishing,
  distributionLimits,
  uploads,
  uploadRequesters,
  chroots,
  builds,
  buildLogCap,
  remotes,
  auth,
  snapshots,
  notifications,
  buildEmulation,
  extraSources,
  buildDepwait,
  mirrors,
  testStage,
  binaryUploads,
  gitSources,
  gitStatus,
  gitLayouts,
  eventActors,
  privateRepositories,
  eventRepositoriesColumn,
  gitWatch,
  archiveDirtySources,
];
