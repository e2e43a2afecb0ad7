import { z } from 'zod';
import { parseListenAddress } from '../../config/listen-address.js';
import type { AddedRemote, RemoteView } from '../../remote/remote-view.js';
import { formatTable } from '../../shared/text-table.js';
import { defineCall, queryInt } from '../call.js';

export const remoteName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{0,62}$/,
    'must be lower-case letters, digits, dots and dashes, starting with a letter or digit',
  )
  .refine((name) => name !== 'local', 'local names this host; choose another name')
  .describe('Name of the remote peer');

const hostName = z
  .string()
  .regex(/^[A-Za-z0-9.:_-]{1,253}$/, 'must be a host name or an IP address')
  .describe('Host name or address of the peer (its sshd)');

const port = queryInt(1, 65535);

const apiAddress = z
  .string()
  .transform((text, ctx) => {
    const parsed = parseListenAddress(text);
    if (typeof parsed === 'string' || parsed.port === 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: typeof parsed === 'string' ? parsed : 'port 0 is no address',
      });
      return z.NEVER;
    }
    return parsed;
  })
  .describe(
    "HOST:PORT of the peer daemon's HTTP API as the peer sees it [default: 127.0.0.1:8066]",
  );

const hostKeyLine = (k: { text: string }) => k.text;

const formatRemote = (r: RemoteView) =>
  [
    `${r.name}  ${r.state}  ${r.user}@${r.host}:${r.port} (API ${r.api})`,
    r.reason ? `  down: ${r.reason}` : null,
    `  host key ${r.hostKey.text}`,
    `  load ${r.load === null ? '-' : r.load.toFixed(2)}, capacity ${r.capacity}, chroots ${r.chroots.join(', ') || '-'}${r.native ? ` (native ${r.native.join(', ')})` : ''}, debyard ${r.version ?? '-'}`,
    `  last check ${r.lastCheckAt ?? 'never'}`,
  ]
    .filter(Boolean)
    .join('\n');

export const remotesCall = defineCall({
  name: 'remotes',
  method: 'GET',
  access: 'admin',
  summary: 'List the remote peers (debyard daemons over SSH)',
  description:
    'Remote peers are other debyard daemons this one builds on, reached over SSH; each is listed with its state.',
  input: z.object({}).strict(),
  format: (remotes: RemoteView[]) =>
    formatTable(
      remotes,
      [
        { header: 'NAME', value: (r) => r.name },
        { header: 'STATE', value: (r) => r.state },
        { header: 'LOAD', value: (r) => (r.load === null ? '-' : r.load.toFixed(2)), right: true },
        { header: 'CAP', value: (r) => r.capacity, right: true },
        { header: 'CHROOTS', value: (r) => r.chroots.join(',') || '-' },
        { header: 'VERSION', value: (r) => r.version ?? '-' },
        { header: 'LAST CHECK', value: (r) => r.lastCheckAt ?? 'never' },
        { header: 'ADDRESS', value: (r) => `${r.user}@${r.host}:${r.port}` },
        { header: 'REASON', value: (r) => r.reason ?? '' },
      ],
      'no remote peers; add one with debyard remote-add',
    ),
});

export const remoteAddCall = defineCall({
  name: 'remote_add',
  method: 'POST',
  access: 'admin',
  summary: 'Add a remote peer: SSH login, pinned host key, check',
  description:
    "The peer is another debyard daemon; this one logs in to its sshd with the private key (a path on this daemon's host, or the key itself with --key-text) and reaches the peer daemon's API through the SSH connection (no other port is opened), with an API token of a staff user of the peer. The host key the peer offers on this first contact is pinned (give --fingerprint SHA256:… to check it instead of trusting it); a different key later is refused.",
  input: z
    .object({
      name: remoteName,
      host: hostName,
      port: port.default(22).describe('SSH port [default: 22]'),
      user: z
        .string()
        .regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'must be a user name')
        .default('debyard')
        .describe('SSH user on the peer [default: debyard]'),
      key: z.string().min(1).optional().describe("Private key file (a path on the daemon's host)"),
      key_text: z
        .string()
        .min(1)
        .optional()
        .describe('The private key itself (kept in the home, mode 0600)'),
      token: z
        .string()
        .min(1, 'must not be empty')
        .describe('API token of a staff user of the peer'),
      api: apiAddress.default('127.0.0.1:8066'),
      fingerprint: z
        .string()
        .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be SHA256:… as ssh-keygen -l prints it')
        .optional()
        .describe('The host key fingerprint to expect (else the first one seen is pinned)'),
      capacity: queryInt(1, 256)
        .optional()
        .describe('Builds to give it at once [default: the capacity it reports]'),
    })
    .strict()
    .refine((input) => (input.key === undefined) !== (input.key_text === undefined), {
      message: 'give either --key (a path) or --key-text (the key itself)',
      path: ['key'],
    }),
  positional: ['name', 'host'],
  format: (added: AddedRemote) =>
    [
      formatRemote(added.remote),
      `host key pinned: ${hostKeyLine(added.hostKey)}`,
      `client key ${added.clientKey.fingerprint}; the peer's authorized_keys line for it can be:`,
      `  restrict,port-forwarding,permitopen="${added.remote.api}" ${added.clientKey.publicLine} debyard`,
    ].join('\n'),
  examples: [
    [
      'debyard remote-add builder2 10.0.0.2 --user debyard --key /etc/debyard/peer-key --token TOKEN',
      'add a peer; its host key is pinned on this first contact',
    ],
  ],
});

export const remoteScanCall = defineCall({
  name: 'remote_scan',
  method: 'GET',
  access: 'admin',
  summary: 'Show the SSH host key a would-be peer offers',
  description:
    'As ssh-keyscan does, without logging in: compare its fingerprint before remote-add pins it.',
  input: z
    .object({ host: hostName, port: port.default(22).describe('SSH port [default: 22]') })
    .strict(),
  positional: ['host'],
  format: (key: { algorithm: string; fingerprint: string; text: string }) => key.text,
});

export const remoteCheckCall = defineCall({
  name: 'remote_check',
  method: 'POST',
  access: 'admin',
  summary: 'Check a remote peer now: SSH, daemon, chroots, load',
  description:
    "Checks SSH, the peer's daemon, its chroots, its load and its version now, without waiting for the periodic check.",
  input: z.object({ name: remoteName }).strict(),
  positional: ['name'],
  format: formatRemote,
});

export const remoteRemoveCall = defineCall({
  name: 'remote_remove',
  method: 'POST',
  access: 'admin',
  summary: 'Remove a remote peer; its builds go back to the queue',
  input: z.object({ name: remoteName }).strict(),
  positional: ['name'],
  format: (o: { removed: string }) => `removed remote peer ${o.removed}`,
});
