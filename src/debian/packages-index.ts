import type { Stanza } from './deb822.js';
import { serializeStanza } from './deb822.js';
import { orderFields, PACKAGES_FIELD_ORDER } from './field-order.js';
import type { FileHashes } from './hashing.js';

/** The pool file of a binary package, as a Packages stanza lists it. */
export interface PoolFile {
  /** Path relative to the archive root, e.g. `pool/main/h/hello/hello_2.10-3_amd64.deb`. */
  filename: string;
  hashes: Omit<FileHashes, 'sha512'> & { sha512?: string };
}

export interface PackagesStanzaOptions {
  /** Archive overrides replacing the package's own Section and Priority. */
  section?: string;
  priority?: string;
  /** Also write SHA512 (apt-ftparchive does, dpkg-scanpackages does not). Default false. */
  sha512?: boolean;
}

/** Fields a Packages index writes itself; a package's control must not carry them. */
const INDEX_FIELDS = ['Filename', 'Size', 'MD5sum', 'SHA1', 'SHA256', 'SHA512'];

/**
 * One Packages stanza (ending with a newline, no blank line) for a .deb's control data,
 * as dpkg-scanpackages writes it: control fields, then Filename, Size and checksums,
 * in dpkg's field order. The archive can cache this text per package.
 */
export function renderPackagesStanza(
  control: Stanza,
  file: PoolFile,
  options: PackagesStanzaOptions = {},
): string {
  const fields = new Map<string, [string, string]>();
  const put = (name: string, value: string): void => void fields.set(name.toLowerCase(), [name, value]);
  for (const { name, value } of control.fields) {
    if (!INDEX_FIELDS.some((f) => f.toLowerCase() === name.toLowerCase())) put(name, value);
  }
  if (options.section !== undefined) put('Section', options.section);
  if (options.priority !== undefined) put('Priority', options.priority);
  put('Filename', file.filename);
  put('Size', String(file.hashes.size));
  put('MD5sum', file.hashes.md5);
  put('SHA1', file.hashes.sha1);
  put('SHA256', file.hashes.sha256);
  if (options.sha512) {
    if (!file.hashes.sha512) throw new TypeError(`SHA512 asked for but not given for ${file.filename}`);
    put('SHA512', file.hashes.sha512);
  }
  const ordered = orderFields(fields.values(), PACKAGES_FIELD_ORDER);
  return serializeStanza(ordered.map(([name, value]) => ({ name, value })));
}

/** A whole index file (Packages, Sources) from rendered stanzas, in the given order. */
export function assembleIndex(stanzas: Iterable<string>): string {
  let out = '';
  for (const stanza of stanzas) out += stanza.endsWith('\n') ? `${stanza}\n` : `${stanza}\n\n`;
  return out;
}
