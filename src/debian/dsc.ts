import type { Problem } from '../shared/errors.js';
import type { ClearSigned } from './clearsign.js';
import { checkNameField, checkVersionField, fieldWhere, requireFields, throwIfProblems } from './checks.js';
import { scanControlFile } from './control-file.js';
import { commaList, type Stanza, wordList } from './deb822.js';
import { type ListedFile, readFileLists } from './file-lists.js';
import { parseDebianFilename } from './names.js';
import { checkSourceFileSet, SOURCE_FORMATS, type SourceFormat } from './source-format.js';
import { versionWithoutEpoch } from './version.js';

/** A source package control file (.dsc), checked. */
export interface Dsc {
  format: SourceFormat;
  source: string;
  version: string;
  /** Binary packages built from this source (Binary field). */
  binaries: string[];
  architectures: string[];
  maintainer: string;
  /** The files of the source package (not the .dsc itself). */
  files: ListedFile[];
  stanza: Stanza;
  signed?: ClearSigned;
}

const REQUIRED = ['Format', 'Source', 'Version', 'Maintainer', 'Files', 'Checksums-Sha256'];

/**
 * Reads a .dsc and lists every problem found: syntax, required fields, names and version,
 * Files vs Checksums-* consistency, safe file names and the format's file-set rules.
 * `fileName` is the .dsc's own name (checked against Source and Version when Debian-named).
 * `dsc` is undefined when the file is too broken to describe.
 */
export function checkDsc(text: string, fileName: string): { dsc?: Dsc; problems: Problem[] } {
  const { file, problems } = scanControlFile(text, fileName);
  if (!file) return { problems };
  const { stanza } = file;
  requireFields(stanza, REQUIRED, fileName, problems);
  const source = checkNameField(stanza, 'Source', stanza.get('Source')?.trim(), fileName, problems);
  const version = checkVersionField(stanza, fileName, problems);
  const format = checkFormat(stanza, fileName, problems);
  const { files } = collectFiles(stanza, fileName, problems);
  if (source && version) checkOwnName(fileName, source, version, problems);
  if (source && version && format) {
    const names = files.map((f) => f.name);
    problems.push(...checkSourceFileSet(format, source, version, names, fieldWhere(stanza, 'Files', fileName)));
  }
  const dsc: Dsc = {
    format: format ?? '1.0',
    source: source ?? stanza.get('Source')?.trim() ?? '',
    version: version ?? stanza.get('Version')?.trim() ?? '',
    binaries: commaList(stanza.get('Binary')),
    architectures: wordList(stanza.get('Architecture')),
    maintainer: stanza.get('Maintainer')?.trim() ?? '',
    files,
    stanza,
  };
  if (file.signed) dsc.signed = file.signed;
  return { dsc, problems };
}

/** Reads a .dsc; throws InvalidInputError listing every problem. */
export function parseDsc(text: string, fileName: string): Dsc {
  const { dsc, problems } = checkDsc(text, fileName);
  throwIfProblems(problems, `${fileName} is not a valid source package description`);
  return dsc!;
}

function checkFormat(stanza: Stanza, source: string, problems: Problem[]): SourceFormat | undefined {
  const value = stanza.get('Format')?.trim();
  if (!value) return undefined;
  if ((SOURCE_FORMATS as readonly string[]).includes(value)) return value as SourceFormat;
  problems.push({
    where: fieldWhere(stanza, 'Format', source),
    message: `unsupported source format "${value}" (supported: ${SOURCE_FORMATS.join(', ')})`,
  });
  return undefined;
}

function collectFiles(stanza: Stanza, source: string, problems: Problem[]): { files: ListedFile[] } {
  const result = readFileLists(stanza, {
    source,
    fields: ['Files', 'Checksums-Sha1', 'Checksums-Sha256'],
  });
  problems.push(...result.problems);
  return result;
}

function checkOwnName(fileName: string, source: string, version: string, problems: Problem[]): void {
  const parsed = parseDebianFilename(fileName);
  if (parsed?.kind !== 'dsc') return;
  const expected = `${source}_${versionWithoutEpoch(version)}.dsc`;
  if (fileName !== expected) {
    problems.push({
      where: fileName,
      message: `file name does not match Source and Version: expected ${expected}`,
    });
  }
}
