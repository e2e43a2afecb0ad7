import type { Migration } from '../migrations.js';

/**
 * The archive's contents: pool files, source package versions with their binaries, and
 * which distribution holds which source (one version per distribution). Rendered index
 * stanzas are cached on the rows so publishing never re-reads a package.
 */
export const archivePackages: Migration = {
  version: 11,
  name: 'archive pool files, sources, binaries and placements',
  up(db) {
    db.exec(`
      CREATE TABLE archive_pool_files (
        id INTEGER PRIMARY KEY,
        repository TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        size INTEGER NOT NULL,
        md5 TEXT NOT NULL,
        sha1 TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        sha512 TEXT NOT NULL,
        created_at TEXT NOT NULL,
        -- set when the last package referencing the file went away (for the garbage collector)
        unreferenced_at TEXT,
        UNIQUE (repository, path)
      ) STRICT;
      CREATE INDEX archive_pool_files_unreferenced ON archive_pool_files (unreferenced_at)
        WHERE unreferenced_at IS NOT NULL;

      CREATE TABLE archive_sources (
        id INTEGER PRIMARY KEY,
        repository TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        component TEXT NOT NULL,
        -- the rendered Sources stanza; NULL for binary-only source records
        stanza TEXT,
        digest TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (repository, name, version)
      ) STRICT;

      CREATE TABLE archive_source_files (
        source_id INTEGER NOT NULL REFERENCES archive_sources (id) ON DELETE CASCADE,
        file_id INTEGER NOT NULL REFERENCES archive_pool_files (id),
        PRIMARY KEY (source_id, file_id)
      ) STRICT;
      CREATE INDEX archive_source_files_file ON archive_source_files (file_id);

      CREATE TABLE archive_binaries (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES archive_sources (id) ON DELETE CASCADE,
        package TEXT NOT NULL,
        version TEXT NOT NULL,
        architecture TEXT NOT NULL,
        file_id INTEGER NOT NULL REFERENCES archive_pool_files (id),
        stanza TEXT NOT NULL,
        digest TEXT NOT NULL,
        -- Contents lines of this package ("path<TAB>section/package"), sorted by path
        contents TEXT NOT NULL,
        contents_digest TEXT NOT NULL,
        UNIQUE (source_id, package, architecture)
      ) STRICT;
      CREATE INDEX archive_binaries_file ON archive_binaries (file_id);
      CREATE INDEX archive_binaries_package ON archive_binaries (package);

      CREATE TABLE archive_placements (
        distribution TEXT NOT NULL,
        repository TEXT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
        source_name TEXT NOT NULL,
        source_id INTEGER NOT NULL REFERENCES archive_sources (id),
        placed_at TEXT NOT NULL,
        PRIMARY KEY (distribution, source_name)
      ) STRICT;
      CREATE INDEX archive_placements_source ON archive_placements (source_id);
      CREATE INDEX archive_placements_repository ON archive_placements (repository, source_name);
    `);
  },
};
