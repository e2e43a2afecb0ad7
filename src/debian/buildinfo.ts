import type { Problem } from '../shared/errors.js';
import type { ClearSigned } from './clearsign.js';
import { checkNameField, checkVersionField, fieldWhere, requireFields, throwIfProblems } from './checks.js';
import { scanControlFile } from './control-file.js';
import { commaList, type Stanza, wordList } from './deb822.js';
import { type ListedFile, readFileLists } from './file-lists.js';
import { parseDebianFilename } from './names.js';
import { versionWithoutEpoch } from './version.js';

/** A build record (.buildinfo, deb-buildinfo(5)), checked. */
export interface Buildinfo {
  source: string;
  version: string;
  architectures: string[];
  binaries: string[];
  buildArchitecture: string;
  buildDate?: string;
  /** `name (= version)` entries of Installed-Build-Depends. */
  installedBuildDepends: string[];
  files: ListedFile[];
  stanza: Stanza;
  signed?: ClearSigned;
}

const REQUIRED = [
  'Format',
  'Source',
  'Architecture',
  'Version',
  'Checksums-Md5',
  'Checksums-Sha1',
  'Checksums-Sha256',
  'Build-Architecture',
  'Installed-Build-Depends',
];

/**
 * Reads a .buildinfo and lists every problem: syntax, required fields (deb-buildinfo(5)),
 * names and version, Checksums-* consistency and safe names, and — when `fileName` is
 * Debian-named — agreement of the file name with Source, Version and Architecture.
 */
export function checkBuildinfo(text: string, fileName: string): { buildinfo?: Buildinfo; problems: Problem[] } {
  const { file, problems } = scanControlFile(text, fileName);
  if (!file) return { problems };
  const { stanza } = file;
  requireFields(stanza, REQUIRED, fileName, problems);
  const format = stanza.get('Format')?.trim();
  if (format && format !== '1.0') {
    problems.push({ where: fieldWhere(stanza, 'Format', fileName), message: `unsupported .buildinfo Format "${format}" (expected 1.0)` });
  }
  const sourceValue = stanza.get('Source')?.trim().split(/\s+/)[0];
  const source = checkNameField(stanza, 'Source', sourceValue, fileName, problems);
  const version = checkVersionField(stanza, fileName, problems);
  const architectures = wordList(stanza.get('Architecture'));
  const lists = readFileLists(stanza, {
    source: fileName,
    fields: ['Checksums-Md5', 'Checksums-Sha1', 'Checksums-Sha256'],
  });
  problems.push(...lists.problems);
  const parsed = parseDebianFilename(fileName);
  if (parsed?.kind === 'buildinfo' && source && version) {
    const expected = versionWithoutEpoch(version);
    if (parsed.package !== source || parsed.version !== expected) {
      problems.push({ where: fileName, message: `file name does not match Source and Version: expected ${source}_${expected}_${parsed.architecture}.buildinfo` });
    }
  }
  const buildinfo: Buildinfo = {
    source: source ?? sourceValue ?? '',
    version: version ?? stanza.get('Version')?.trim() ?? '',
    architectures,
    binaries: wordList(stanza.get('Binary')),
    buildArchitecture: stanza.get('Build-Architecture')?.trim() ?? '',
    installedBuildDepends: commaList(stanza.get('Installed-Build-Depends')),
    files: lists.files,
    stanza,
  };
  const buildDate = stanza.get('Build-Date')?.trim();
  if (buildDate) buildinfo.buildDate = buildDate;
  if (file.signed) buildinfo.signed = file.signed;
  return { buildinfo, problems };
}

/** Reads a .buildinfo; throws InvalidInputError listing every problem. */
export function parseBuildinfo(text: string, fileName: string): Buildinfo {
  const { buildinfo, problems } = checkBuildinfo(text, fileName);
  throwIfProblems(problems, `${fileName} is not a valid build record`);
  return buildinfo!;
}
