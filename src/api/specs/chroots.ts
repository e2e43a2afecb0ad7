import { z } from 'zod';
import { defineCall } from '../call.js';

/** A base chroot as the API shows it. */
export interface ChrootView {
  codename: string;
  architecture: string;
  state: 'creating' | 'ready' | 'updating' | 'broken';
  /** The phase of the running create or update. */
  progress: string | null;
  /** The base generation new builds start on (0: none yet). */
  generation: number;
  sizeBytes: number | null;
  createdAt: string;
  /** When the current base was made (created or last updated). */
  updatedAt: string | null;
  lastError: string | null;
  runningBuilds: number;
}

const chrootInput = z
  .object({
    codename: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,30}$/, 'must be a codename such as bookworm')
      .optional()
      .describe("Codename, e.g. bookworm (default: the daemon host's)"),
    architecture: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,30}$/, 'must be a Debian architecture such as amd64')
      .optional()
      .describe("Architecture, e.g. amd64 (default: the daemon host's)"),
  })
  .strict();

export const chrootListCall = defineCall({
  name: 'chroot_list',
  method: 'GET',
  access: 'admin',
  summary: 'List the base chroots: state, size and last update',
  input: z.object({}).strict(),
  format: (chroots: ChrootView[]) =>
    chroots.length === 0
      ? 'no chroots'
      : chroots
          .map((c) =>
            [
              `${c.codename}/${c.architecture}`.padEnd(20),
              (c.progress ? `${c.state} (${c.progress})` : c.state).padEnd(28),
              c.sizeBytes === null ? '-' : `${Math.round(c.sizeBytes / 1048576)} MiB`,
              c.updatedAt ? `updated ${c.updatedAt}` : '',
            ]
              .filter(Boolean)
              .join('  ')
              .concat(c.lastError ? `\n  last error: ${c.lastError.split('\n')[0]}` : ''),
          )
          .join('\n'),
});

export const chrootCreateCall = defineCall({
  name: 'chroot_create',
  method: 'POST',
  access: 'admin',
  summary: 'Create a base chroot with mmdebstrap (in the background)',
  description:
    "Starts creating the base chroot and returns at once; chroot-list shows its progress. A broken chroot is created again. With --from, the base is a copy of an existing base tree on the daemon's host (another daemon's, say) instead of a new mmdebstrap; it must hold dpkg of that architecture, apt and dpkg-dev.",
  input: chrootInput.extend({
    from: z
      .string()
      .startsWith('/', 'must be an absolute path')
      .optional()
      .describe(
        "Copy this existing base tree (a path on the daemon's host) instead of running mmdebstrap",
      ),
  }),
  positional: ['codename', 'architecture'],
  flagsToo: ['architecture'],
  format: (c: ChrootView) => `creating chroot ${c.codename}/${c.architecture}`,
  examples: [
    ['debyard chroot-create trixie amd64', 'create a trixie base for amd64'],
    [
      'debyard chroot-create trixie --architecture arm64',
      'an arm64 base (on amd64: made and run under qemu-user)',
    ],
    [
      'debyard chroot-create bookworm amd64 --from /srv/bases/bookworm-amd64',
      'copy an existing base instead',
    ],
  ],
});

export const chrootUpdateCall = defineCall({
  name: 'chroot_update',
  method: 'POST',
  access: 'admin',
  summary: 'Update a base chroot (dist-upgrade) in the background',
  description:
    'Makes a new generation of the base; builds already running keep the one they started on.',
  input: chrootInput,
  positional: ['codename', 'architecture'],
  flagsToo: ['architecture'],
  format: (c: ChrootView) => `updating chroot ${c.codename}/${c.architecture}`,
});

export const chrootRemoveCall = defineCall({
  name: 'chroot_remove',
  method: 'POST',
  access: 'admin',
  summary: 'Remove a base chroot that no build uses',
  input: chrootInput,
  positional: ['codename', 'architecture'],
  flagsToo: ['architecture'],
  format: (r: { removed: string }) => `removed chroot ${r.removed}`,
});
