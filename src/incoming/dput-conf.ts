import { INCOMING_DIR } from './incoming-file-system.js';

export interface DputConfInput {
  /** Instance name; the stanza is `[debyard-<identity>]` unless `name` is given. */
  identity: string;
  /** The stanza's name instead (`[<name>]`, `[<name>-<repo>]`). */
  name?: string;
  /** Host name or address clients reach the FTP incoming at. */
  host: string;
  ftpPort: number;
  /** Repositories, and whether each accepts unsigned uploads. */
  repositories: readonly { id: string; allowUnsigned: boolean }[];
}

/**
 * The dput.cf stanzas for this daemon, usable unchanged by Debian's dput and dput-ng:
 * one for signed uploads to any repository, and one per repository that accepts
 * unsigned uploads (dput refuses unsigned .changes unless a stanza allows them).
 */
export function dputConf(input: DputConfInput): string {
  const host = input.host.includes(':') ? `[${input.host}]` : input.host;
  const base = input.name ?? `debyard-${input.identity}`;
  const stanza = (name: string, extra: string[]) =>
    [
      `[${name}]`,
      'method = ftp',
      `fqdn = ${host}:${input.ftpPort}`,
      'login = anonymous',
      `incoming = ${INCOMING_DIR}`,
      'passive_ftp = 1',
      ...extra,
    ].join('\n');
  const stanzas = [stanza(base, ['allow_unsigned_uploads = 0'])];
  for (const repository of input.repositories) {
    if (!repository.allowUnsigned) continue;
    stanzas.push(
      stanza(`${base}-${repository.id}`, [
        'allow_unsigned_uploads = 1',
        `allowed_distributions = ^[a-z][a-z0-9]*-${repository.id}-[a-z]+$`,
      ]),
    );
  }
  return `${stanzas.join('\n\n')}\n`;
}
