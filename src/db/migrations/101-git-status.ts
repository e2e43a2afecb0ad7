import type { Migration } from '../migrations.js';

/** Where a git source reports commit statuses: the forge's API and a token for it. */
export const gitStatus: Migration = {
  version: 101,
  name: 'commit statuses of git sources',
  up(db) {
    db.exec(`
      -- github, gitea or gitlab; NULL: no statuses
      ALTER TABLE git_sources ADD COLUMN status_forge TEXT
        CHECK (status_forge IN ('github', 'gitea', 'gitlab'));
      -- the repository's API URL (…/repos/OWNER/REPO, …/api/v4/projects/ID)
      ALTER TABLE git_sources ADD COLUMN status_url TEXT;
      ALTER TABLE git_sources ADD COLUMN status_token TEXT;
    `);
  },
};
