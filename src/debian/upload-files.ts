import type { Problem } from '../shared/errors.js';
import type { ListedFile } from './file-lists.js';
import {
  type DebianFilename,
  isBinaryPackageFile,
  parseDebianFilename,
  unsafeFilenameReason,
} from './names.js';
import { parseVersion, versionWithoutEpoch } from './version.js';

/** A file of an upload with what its name says. */
export interface UploadFile extends ListedFile {
  /** Undefined when the name does not follow Debian's naming. */
  parsed?: DebianFilename;
}

/** What an upload carries: the basis of source/binary/arch-all decisions. */
export interface UploadContents {
  /** A .dsc (with its source files) is included. */
  source: boolean;
  /** Distinct architectures of the binary packages, `all` included. */
  binaryArchitectures: string[];
  /** Some binary package is Architecture: all. */
  archAll: boolean;
  /** Some binary package is architecture-specific. */
  archSpecific: boolean;
  kind: 'source' | 'binary' | 'mixed' | 'empty';
}

export function classifyUpload(files: readonly UploadFile[]): UploadContents {
  const source = files.some((f) => f.parsed?.kind === 'dsc');
  const archs = new Set<string>();
  for (const f of files) {
    if (f.parsed && isBinaryPackageFile(f.parsed.kind)) archs.add(f.parsed.architecture!);
  }
  const binary = archs.size > 0;
  return {
    source,
    binaryArchitectures: [...archs].sort(),
    archAll: archs.has('all'),
    archSpecific: [...archs].some((a) => a !== 'all'),
    kind: source && binary ? 'mixed' : source ? 'source' : binary ? 'binary' : 'empty',
  };
}

export interface UploadExpectations {
  where: string;
  source: string;
  /** Version of the source package (from `Source: name (version)` or Version). */
  sourceVersion: string;
  /** Version of the binary packages (the Version field). */
  version: string;
  architectures: string[];
  binaries: string[];
}

/** Checks each file's name against the .changes fields: names, versions, architectures. */
export function checkUploadFiles(files: UploadFile[], expect: UploadExpectations): Problem[] {
  const problems: Problem[] = [];
  const add = (message: string): void => void problems.push({ where: expect.where, message });
  const srcVersion = versionWithoutEpoch(expect.sourceVersion);
  const binVersion = versionWithoutEpoch(expect.version);
  const upstream = safeUpstream(expect.sourceVersion);
  for (const file of files) {
    const p = file.parsed;
    if (!p) {
      if (unsafeFilenameReason(file.name)) continue; // reported with the file lists
      add(`${file.name} is not named like a Debian package file (name_version[_arch].ext)`);
      continue;
    }
    if (p.kind === 'changes') add(`${file.name}: a .changes file cannot list another .changes`);
    if (isBinaryPackageFile(p.kind)) {
      checkBinary(file.name, p, expect, binVersion, add);
      continue;
    }
    if (p.package !== expect.source) {
      add(`${file.name} belongs to source package ${p.package}, not ${expect.source}`);
    }
    const wanted = p.kind === 'orig-tarball' || p.kind === 'orig-signature' ? upstream : p.kind === 'buildinfo' ? binVersion : srcVersion;
    if (wanted !== undefined && p.version !== wanted) {
      add(`${file.name} has version ${p.version}, the .changes says ${wanted}`);
    }
    if (p.kind === 'buildinfo' && !expect.architectures.includes(p.architecture!)) {
      add(`${file.name} is for architecture ${p.architecture}, which the Architecture field does not list`);
    }
  }
  problems.push(...checkArchitectureField(files, expect));
  return problems;
}

function checkBinary(
  name: string,
  p: DebianFilename,
  expect: UploadExpectations,
  binVersion: string,
  add: (message: string) => void,
): void {
  if (p.version !== binVersion) add(`${name} has version ${p.version}, the .changes says ${binVersion}`);
  if (!expect.architectures.includes(p.architecture!)) {
    add(`${name} is for architecture ${p.architecture}, which the Architecture field does not list`);
  }
  if (!expect.binaries.includes(p.package)) {
    add(`${name} is package ${p.package}, which the Binary field does not list`);
  }
}

function checkArchitectureField(files: UploadFile[], expect: UploadExpectations): Problem[] {
  const problems: Problem[] = [];
  const contents = classifyUpload(files);
  const dscs = files.filter((f) => f.parsed?.kind === 'dsc');
  if (dscs.length > 1) problems.push({ where: expect.where, message: `more than one .dsc: ${dscs.map((f) => f.name).join(', ')}` });
  const listsSource = expect.architectures.includes('source');
  if (listsSource && !contents.source) {
    problems.push({ where: expect.where, message: 'Architecture lists "source" but no .dsc is uploaded' });
  }
  if (!listsSource && contents.source) {
    problems.push({ where: expect.where, message: 'a .dsc is uploaded but Architecture does not list "source"' });
  }
  for (const arch of expect.architectures) {
    if (arch !== 'source' && !contents.binaryArchitectures.includes(arch)) {
      problems.push({ where: expect.where, message: `Architecture lists ${arch} but no package for ${arch} is uploaded` });
    }
  }
  if (contents.kind === 'empty') problems.push({ where: expect.where, message: 'the upload holds neither a .dsc nor binary packages' });
  return problems;
}

function safeUpstream(version: string): string | undefined {
  try {
    return parseVersion(version).upstream;
  } catch {
    return undefined;
  }
}

/** Attaches the parsed Debian name to each listed file. */
export function toUploadFiles(files: readonly ListedFile[]): UploadFile[] {
  return files.map((file) => {
    const parsed = parseDebianFilename(file.name);
    return parsed ? { ...file, parsed } : { ...file };
  });
}

/** The names among `names` of binary packages (.deb, .udeb, .ddeb). */
export function binaryPackageNames(names: readonly string[]): string[] {
  return names.filter((name) => {
    const parsed = parseDebianFilename(name);
    return parsed !== undefined && isBinaryPackageFile(parsed.kind);
  });
}
