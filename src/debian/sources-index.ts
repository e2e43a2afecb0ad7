import { fieldLines, serializeStanza, type Stanza } from './deb822.js';
import { orderFields, SOURCES_FIELD_ORDER } from './field-order.js';
import type { FileHashes } from './hashing.js';

export interface SourcesStanzaOptions {
  /** Pool directory of the source package, e.g. `pool/main/h/hello`. */
  directory: string;
  /** The .dsc's own file name and hashes: it is listed first in Files and Checksums-*. */
  dsc: { name: string; hashes: Omit<FileHashes, 'sha512'> };
  /** Archive overrides. */
  section?: string;
  priority?: string;
}

const CHECKSUM_FIELDS: [field: string, key: 'md5' | 'sha1' | 'sha256'][] = [
  ['Files', 'md5'],
  ['Checksums-Sha1', 'sha1'],
  ['Checksums-Sha256', 'sha256'],
];

/**
 * One Sources stanza for a .dsc, as dpkg-scansources writes it: Source renamed to
 * Package, Directory added, the .dsc itself first in Files and Checksums-*, the signature
 * dropped and dpkg's field order. Ends with a newline, no blank line.
 */
export function renderSourcesStanza(dsc: Stanza, options: SourcesStanzaOptions): string {
  const fields = new Map<string, [string, string]>();
  const put = (name: string, value: string): void => void fields.set(name.toLowerCase(), [name, value]);
  for (const { name, value } of dsc.fields) {
    if (name.toLowerCase() === 'source') put('Package', value);
    else if (name.toLowerCase() !== 'checksums-md5') put(name, value);
  }
  if (options.priority !== undefined) put('Priority', options.priority);
  if (options.section !== undefined) put('Section', options.section);
  put('Directory', options.directory);
  const { name, hashes } = options.dsc;
  for (const [field, key] of CHECKSUM_FIELDS) {
    const lines = fieldLines(dsc.get(field)).filter((line) => line.split(/\s+/)[2] !== name);
    put(field, ['', `${hashes[key]} ${hashes.size} ${name}`, ...lines].join('\n'));
  }
  const ordered = orderFields(fields.values(), SOURCES_FIELD_ORDER);
  return serializeStanza(ordered.map(([n, value]) => ({ name: n, value })));
}
