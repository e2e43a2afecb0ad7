// An uploader key as stored: whose it is and where it may upload
// (db/uploader-keys-repository.ts).

/** An OpenPGP public key allowed to upload to some repositories. */
export interface UploaderKeyRecord {
  /** Upper-case hex fingerprint of the primary key. */
  fingerprint: string;
  armored: string;
  userIds: string[];
  /** The user who added it (API calls come later); null when added by an admin. */
  ownerId: number | null;
  comment: string;
  repositories: string[];
  /** Those of `repositories` it may also upload binary packages to (none by default). */
  binaryRepositories?: string[];
  addedAt: string;
}
