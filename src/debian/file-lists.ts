import type { Problem } from '../shared/errors.js';
import type { Stanza } from './deb822.js';
import { unsafeFilenameReason } from './names.js';

/** One file listed by a .changes, .dsc or .buildinfo, merged over its checksum fields. */
export interface ListedFile {
  name: string;
  size: number;
  md5?: string;
  sha1?: string;
  sha256?: string;
  /** From the Files field of a .changes. */
  section?: string;
  priority?: string;
}

export type ChecksumField = 'Files' | 'Checksums-Md5' | 'Checksums-Sha1' | 'Checksums-Sha256';

const HASH_OF: Record<ChecksumField, { key: 'md5' | 'sha1' | 'sha256'; hexLength: number }> = {
  Files: { key: 'md5', hexLength: 32 },
  'Checksums-Md5': { key: 'md5', hexLength: 32 },
  'Checksums-Sha1': { key: 'sha1', hexLength: 40 },
  'Checksums-Sha256': { key: 'sha256', hexLength: 64 },
};

export interface FileListOptions {
  /** The file's name, for problem locations. */
  source: string;
  /** Fields to read; the first present one defines the set of files. */
  fields: ChecksumField[];
  /** Files lines carry section and priority (.changes). */
  filesWithSection?: boolean;
}

/**
 * Reads and cross-checks the file lists of a control file: every line well formed,
 * every name safe, and all lists naming the same files with the same sizes.
 */
export function readFileLists(
  stanza: Stanza,
  options: FileListOptions,
): { files: ListedFile[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const files = new Map<string, ListedFile & { from?: ChecksumField }>();
  let reference: { field: ChecksumField; names: Set<string> } | undefined;
  for (const field of options.fields) {
    const value = stanza.get(field);
    if (value === undefined) continue;
    const entries = readField(stanza, field, options, problems);
    const names = new Set(entries.map((entry) => entry.name));
    for (const entry of entries) mergeEntry(files, entry, field, options.source, problems);
    if (!reference) reference = { field, names };
    else compareSets(reference, { field, names }, options.source, problems);
  }
  return { files: [...files.values()].map(({ from: _from, ...file }) => file), problems };
}

function readField(
  stanza: Stanza,
  field: ChecksumField,
  options: FileListOptions,
  problems: Problem[],
): (ListedFile & { line: number })[] {
  const firstLine = stanza.lineOf(field);
  const where = (offset: number): string =>
    firstLine === undefined ? options.source : `${options.source}:${firstLine + offset}`;
  const { key, hexLength } = HASH_OF[field];
  const columns = field === 'Files' && options.filesWithSection ? 5 : 3;
  const entries: (ListedFile & { line: number })[] = [];
  const seen = new Set<string>();
  const lines = (stanza.get(field) ?? '').split('\n');
  lines.forEach((line, offset) => {
    const parts = line.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) return;
    if (parts.length !== columns) {
      const expected = columns === 5 ? 'md5 size section priority name' : 'checksum size name';
      problems.push({ where: where(offset), message: `${field}: expected "${expected}", found "${line.trim()}"` });
      return;
    }
    const [hash, sizeText] = parts as [string, string];
    const name = parts[columns - 1]!;
    const lineProblems = checkLine(field, hash, sizeText, name, hexLength);
    for (const message of lineProblems) problems.push({ where: where(offset), message });
    if (seen.has(name)) problems.push({ where: where(offset), message: `${field} lists ${name} twice` });
    seen.add(name);
    const entry: ListedFile & { line: number } = { name, size: Number(sizeText), [key]: hash.toLowerCase(), line: offset };
    if (columns === 5) Object.assign(entry, { section: parts[2], priority: parts[3] });
    entries.push(entry);
  });
  if (entries.length === 0) problems.push({ where: where(0), message: `${field} lists no files` });
  return entries;
}

function checkLine(field: ChecksumField, hash: string, size: string, name: string, hexLength: number): string[] {
  const problems: string[] = [];
  if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hash)) {
    problems.push(`${field}: "${hash}" is not a ${hexLength}-digit hexadecimal checksum for ${name}`);
  }
  if (!/^\d+$/.test(size)) problems.push(`${field}: size "${size}" of ${name} is not a number`);
  const unsafe = unsafeFilenameReason(name);
  if (unsafe) problems.push(`${field}: unsafe ${unsafe}`);
  return problems;
}

function mergeEntry(
  files: Map<string, ListedFile & { from?: ChecksumField }>,
  entry: ListedFile & { line: number },
  field: ChecksumField,
  source: string,
  problems: Problem[],
): void {
  const { line: _line, ...file } = entry;
  const known = files.get(file.name);
  if (!known) {
    files.set(file.name, { ...file, from: field });
    return;
  }
  if (known.size !== file.size) {
    problems.push({
      where: source,
      message: `${field} gives ${file.name} size ${file.size}, but ${known.from} gives ${known.size}`,
    });
  }
  const { key } = HASH_OF[field];
  if (known[key] !== undefined && known[key] !== file[key]) {
    problems.push({ where: source, message: `${field} and an earlier list disagree on the ${key} of ${file.name}` });
  }
  Object.assign(known, { ...file, ...known, [key]: known[key] ?? file[key] });
}

function compareSets(
  reference: { field: ChecksumField; names: Set<string> },
  other: { field: ChecksumField; names: Set<string> },
  source: string,
  problems: Problem[],
): void {
  for (const name of reference.names) {
    if (!other.names.has(name)) {
      problems.push({ where: source, message: `${name} is listed in ${reference.field} but missing from ${other.field}` });
    }
  }
  for (const name of other.names) {
    if (!reference.names.has(name)) {
      problems.push({ where: source, message: `${name} is listed in ${other.field} but missing from ${reference.field}` });
    }
  }
}
