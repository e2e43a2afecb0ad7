import type { Problem } from '../shared/errors.js';
import type { ClearSigned } from './clearsign.js';
import { checkNameField, checkVersionField, fieldWhere, requireFields, throwIfProblems } from './checks.js';
import { scanControlFile } from './control-file.js';
import { type Stanza, wordList } from './deb822.js';
import { readFileLists, type ListedFile } from './file-lists.js';
import { isValidArchitecture, isValidPackageName } from './names.js';
import {
  checkUploadFiles,
  classifyUpload,
  toUploadFiles,
  type UploadContents,
  type UploadFile,
} from './upload-files.js';
import { checkVersion } from './version.js';

/** An upload description (.changes), checked. */
export interface Changes {
  source: string;
  /** The source version: from `Source: name (version)` when given, else Version. */
  sourceVersion: string;
  /** The Version field: the version of the binary packages. */
  version: string;
  architectures: string[];
  distributions: string[];
  binaries: string[];
  maintainer: string;
  changedBy?: string;
  urgency?: string;
  closes: string[];
  date: string;
  files: UploadFile[];
  contents: UploadContents;
  stanza: Stanza;
  signed?: ClearSigned;
}

const REQUIRED = [
  'Format',
  'Date',
  'Source',
  'Architecture',
  'Version',
  'Distribution',
  'Maintainer',
  'Changes',
  'Files',
  'Checksums-Sha1',
  'Checksums-Sha256',
];
const URGENCIES = ['low', 'medium', 'high', 'critical', 'emergency'];

/**
 * Reads a .changes and lists every problem found (the incoming checker reports them all):
 * syntax, required fields, Format, names, versions, dates, Files vs Checksums-*
 * consistency, safe Debian file names, versions and architectures of each file, and
 * the Architecture and Binary fields against the files. `changes` is undefined only
 * when the file is not readable as a control file at all.
 */
export function checkChanges(text: string, fileName: string): { changes?: Changes; problems: Problem[] } {
  const { file, problems } = scanControlFile(text, fileName);
  if (!file) return { problems };
  const { stanza } = file;
  const where = (field: string): string => fieldWhere(stanza, field, fileName);
  requireFields(stanza, REQUIRED, fileName, problems);
  checkFormat(stanza, where('Format'), problems);
  const { source, sourceVersion } = readSourceField(stanza, fileName, problems);
  const version = checkVersionField(stanza, fileName, problems);
  const architectures = wordList(stanza.get('Architecture'));
  for (const arch of architectures.filter((a) => !isValidArchitecture(a))) {
    problems.push({ where: where('Architecture'), message: `invalid architecture name "${arch}"` });
  }
  const binaries = wordList(stanza.get('Binary'));
  for (const name of binaries.filter((b) => !isValidPackageName(b))) {
    problems.push({ where: where('Binary'), message: `invalid package name "${name}" in Binary` });
  }
  checkOptionalFields(stanza, fileName, problems);
  const lists = readChangesFileLists(stanza, fileName);
  problems.push(...lists.problems);
  const files = toUploadFiles(lists.files);
  const contents = classifyUpload(files);
  if (contents.binaryArchitectures.length > 0 && !stanza.has('Binary')) {
    problems.push({ where: fileName, message: 'missing field Binary (required when binary packages are uploaded)' });
  }
  if (source && version) {
    const expect = { where: fileName, source, sourceVersion: sourceVersion ?? version, version, architectures, binaries };
    problems.push(...checkUploadFiles(files, expect));
  }
  const changes = buildModel(stanza, { source, sourceVersion, version, architectures, binaries, files, contents });
  if (file.signed) changes.signed = file.signed;
  return { changes, problems };
}

/**
 * The files a .changes lists (Files, Checksums-Sha1, Checksums-Sha256 merged) and the
 * problems of those lists: lines that cannot be read, unsafe names, lists that disagree.
 * A missing Files field is not among them (checkChanges reports it as a missing field).
 */
export function readChangesFileLists(
  stanza: Stanza,
  fileName: string,
): { files: ListedFile[]; problems: Problem[] } {
  return readFileLists(stanza, {
    source: fileName,
    fields: ['Files', 'Checksums-Sha1', 'Checksums-Sha256'],
    filesWithSection: true,
  });
}

/** Reads a .changes; throws InvalidInputError listing every problem. */
export function parseChanges(text: string, fileName: string): Changes {
  const { changes, problems } = checkChanges(text, fileName);
  throwIfProblems(problems, `${fileName} is not a valid upload`);
  return changes!;
}

function checkFormat(stanza: Stanza, where: string, problems: Problem[]): void {
  const format = stanza.get('Format')?.trim();
  if (format && !/^1\.[0-9]+$/.test(format)) {
    problems.push({ where, message: `unsupported .changes Format "${format}" (expected 1.8)` });
  }
}

function readSourceField(
  stanza: Stanza,
  fileName: string,
  problems: Problem[],
): { source?: string; sourceVersion?: string } {
  const value = stanza.get('Source')?.trim();
  if (!value) return {};
  const m = /^(\S+)(?:\s+\((\S+)\))?$/.exec(value);
  if (!m) {
    problems.push({ where: fieldWhere(stanza, 'Source', fileName), message: `malformed Source "${value}": expected "name" or "name (version)"` });
    return {};
  }
  const source = checkNameField(stanza, 'Source', m[1], fileName, problems);
  if (m[2] === undefined) return source ? { source } : {};
  const { error } = checkVersion(m[2]);
  if (error) {
    problems.push({ where: fieldWhere(stanza, 'Source', fileName), message: `invalid source version "${m[2]}": ${error}` });
    return source ? { source } : {};
  }
  return source ? { source, sourceVersion: m[2] } : {};
}

function checkOptionalFields(stanza: Stanza, fileName: string, problems: Problem[]): void {
  const where = (field: string): string => fieldWhere(stanza, field, fileName);
  const date = stanza.get('Date')?.trim();
  if (date && Number.isNaN(Date.parse(date))) {
    problems.push({ where: where('Date'), message: `Date "${date}" is not an RFC 2822 date` });
  }
  const urgency = stanza.get('Urgency')?.trim().split(/\s+/)[0]?.toLowerCase();
  if (urgency && !URGENCIES.includes(urgency)) {
    problems.push({ where: where('Urgency'), message: `unknown Urgency "${urgency}" (use ${URGENCIES.join(', ')})` });
  }
  for (const bug of wordList(stanza.get('Closes'))) {
    if (!/^\d+$/.test(bug)) problems.push({ where: where('Closes'), message: `Closes lists "${bug}", which is not a bug number` });
  }
  if (stanza.has('Distribution') && wordList(stanza.get('Distribution')).length === 0) {
    problems.push({ where: where('Distribution'), message: 'Distribution names no distribution' });
  }
}

function buildModel(
  stanza: Stanza,
  parts: {
    source?: string;
    sourceVersion?: string;
    version?: string;
    architectures: string[];
    binaries: string[];
    files: UploadFile[];
    contents: UploadContents;
  },
): Changes {
  const optional = (field: string): Partial<Record<'changedBy' | 'urgency', string>> => {
    const value = stanza.get(field)?.trim();
    return value ? { [field === 'Changed-By' ? 'changedBy' : 'urgency']: value } : {};
  };
  const version = parts.version ?? stanza.get('Version')?.trim() ?? '';
  return {
    source: parts.source ?? '',
    sourceVersion: parts.sourceVersion ?? version,
    version,
    architectures: parts.architectures,
    distributions: wordList(stanza.get('Distribution')),
    binaries: parts.binaries,
    maintainer: stanza.get('Maintainer')?.trim() ?? '',
    ...optional('Changed-By'),
    ...optional('Urgency'),
    closes: wordList(stanza.get('Closes')),
    date: stanza.get('Date')?.trim() ?? '',
    files: parts.files,
    contents: parts.contents,
    stanza,
  };
}
