import type { CallSpec } from '../call.js';
import {
  aptSourceAddCall,
  aptSourceRemoveCall,
  aptSourcesCall,
  aptSourceUpdateCall,
} from './apt-sources.js';
import { buildMissingCall } from './build-missing.js';
import { MIRROR_CALLS } from './mirrors.js';
import { buildLogCall, buildsCall, cancelCall, retryCall } from './builds.js';
import { chrootCreateCall, chrootListCall, chrootRemoveCall, chrootUpdateCall } from './chroots.js';
import { dputConfCall } from './dput-conf.js';
import { eventsCall } from './events.js';
import { lsCall, pubKeyCall, searchCall, showCall, sourcesListCall } from './archive.js';
import {
  peerJobCall,
  peerJobCreateCall,
  peerJobLogCall,
  peerJobRemoveCall,
  peerJobsCall,
  peerJobStartCall,
  peerStatusCall,
} from './peers.js';
import {
  remoteAddCall,
  remoteCheckCall,
  remoteRemoveCall,
  remoteScanCall,
  remotesCall,
} from './remotes.js';
import { incomingPauseCall, incomingResumeCall } from './incoming.js';
import { layoutAddCall, layoutRemoveCall, layoutsCall, layoutUpdateCall } from './layouts.js';
import {
  distributionAddCall,
  distributionRemoveCall,
  distributionUpdateCall,
  reindexCall,
  repositoriesCall,
  repositoryAddCall,
  repositoryRemoveCall,
  repositoryUpdateCall,
} from './repositories.js';
import {
  importDebsCall,
  importRepoCall,
  migrateCall,
  removeCall,
  restoreCall,
} from './archive-changes.js';
import {
  deliveriesCall,
  subscriptionAddCall,
  subscriptionRemoveCall,
  subscriptionsCall,
  webhookAddCall,
  webhookRemoveCall,
  webhooksCall,
} from './notifications.js';
import { snapshotCreateCall, snapshotDeleteCall, snapshotsCall } from './snapshots.js';
import { keyringPackageCall, portCall, portExtCall, testPackagesCall } from './internal-uploads.js';
import { ARCHIVE_KEY_CALLS } from './archive-keys.js';
import { READ_TOKEN_CALLS } from './read-tokens.js';
import {
  gitBuildCall,
  gitBuildsCall,
  gitSourceAddCall,
  gitSourcePollCall,
  gitSourceRemoveCall,
  gitSourcesCall,
} from './git-sources.js';
import { statusCall } from './status.js';
import { uploadCall, uploadsCall } from './uploads.js';
import {
  keyAddCall,
  keyForbidCall,
  keyPermissionsCall,
  keyPermitCall,
  keyRemoveCall,
  keysCall,
} from './uploader-keys.js';
import { tokenCreateCall, tokenRevokeCall, tokensCall, whoamiCall } from './tokens.js';
import { userAddCall, userDisableCall, userEnableCall, userRoleCall, usersCall } from './users.js';

/** Every API call; the CLI makes one command of each. */
export const ALL_CALLS: readonly CallSpec[] = [
  statusCall,
  eventsCall,
  whoamiCall,
  tokenCreateCall,
  tokensCall,
  tokenRevokeCall,
  usersCall,
  userAddCall,
  userRoleCall,
  userDisableCall,
  userEnableCall,
  chrootListCall,
  chrootCreateCall,
  chrootUpdateCall,
  chrootRemoveCall,
  remotesCall,
  remoteAddCall,
  remoteScanCall,
  remoteCheckCall,
  remoteRemoveCall,
  peerStatusCall,
  peerJobsCall,
  peerJobCreateCall,
  peerJobStartCall,
  peerJobCall,
  peerJobLogCall,
  peerJobRemoveCall,
  lsCall,
  showCall,
  searchCall,
  sourcesListCall,
  pubKeyCall,
  ...ARCHIVE_KEY_CALLS,
  ...READ_TOKEN_CALLS,
  dputConfCall,
  uploadsCall,
  uploadCall,
  buildsCall,
  buildLogCall,
  retryCall,
  cancelCall,
  buildMissingCall,
  incomingPauseCall,
  incomingResumeCall,
  keysCall,
  keyAddCall,
  keyRemoveCall,
  keyPermissionsCall,
  keyPermitCall,
  keyForbidCall,
  repositoriesCall,
  repositoryAddCall,
  repositoryUpdateCall,
  repositoryRemoveCall,
  distributionAddCall,
  distributionUpdateCall,
  distributionRemoveCall,
  layoutsCall,
  layoutAddCall,
  layoutUpdateCall,
  layoutRemoveCall,
  aptSourcesCall,
  aptSourceAddCall,
  aptSourceUpdateCall,
  aptSourceRemoveCall,
  ...MIRROR_CALLS,
  reindexCall,
  migrateCall,
  removeCall,
  restoreCall,
  importDebsCall,
  importRepoCall,
  portCall,
  portExtCall,
  keyringPackageCall,
  testPackagesCall,
  gitSourcesCall,
  gitSourceAddCall,
  gitSourceRemoveCall,
  gitSourcePollCall,
  gitBuildCall,
  gitBuildsCall,
  snapshotsCall,
  snapshotCreateCall,
  snapshotDeleteCall,
  webhooksCall,
  webhookAddCall,
  webhookRemoveCall,
  subscriptionsCall,
  subscriptionAddCall,
  subscriptionRemoveCall,
  deliveriesCall,
] as readonly CallSpec[];
