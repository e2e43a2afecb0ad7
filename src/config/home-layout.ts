import path from 'node:path';

/** Where everything lives under the daemon's home. */
export interface HomeLayout {
  root: string;
  database: string;
  lockFile: string;
  adminPassword: string;
  /** Instance OpenPGP key material. */
  keys: string;
  /** Published apt repositories, one folder per repository (served at /repos/). */
  repos: string;
  /** Base chroots and per-build snapshots. */
  chroots: string;
  /** The FTP upload area (files arriving). */
  incoming: string;
  /** Accepted uploads waiting for or under build. */
  spool: string;
  /** Rejected uploads, kept for a while for inspection. */
  rejected: string;
  /** Build logs and results. */
  builds: string;
  /** Daemon-side logs (chroot creation, …). */
  logs: string;
  /** Executable event hooks. */
  hooks: string;
  /** Scratch space on the same file system as the rest (for atomic renames). */
  tmp: string;
}

export function homeLayout(root: string): HomeLayout {
  const at = (name: string) => path.join(root, name);
  return {
    root,
    database: at('debyard.db'),
    lockFile: at('debyard.lock'),
    adminPassword: at('admin-password'),
    keys: at('keys'),
    repos: at('repos'),
    chroots: at('chroots'),
    incoming: at('incoming'),
    spool: at('spool'),
    rejected: at('rejected'),
    builds: at('builds'),
    logs: at('logs'),
    hooks: at('hooks'),
    tmp: at('tmp'),
  };
}

/** The folders created on first start (all but the files). */
export function homeFolders(layout: HomeLayout): string[] {
  return [
    layout.keys,
    layout.repos,
    layout.chroots,
    layout.incoming,
    layout.spool,
    layout.rejected,
    layout.builds,
    layout.logs,
    layout.hooks,
    layout.tmp,
  ];
}
