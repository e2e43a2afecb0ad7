import { hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../../shared/errors.js';
import { checkFileName, checkSourceName, poolDirectory } from '../pool/pool-path.js';
import type { Stanza } from '../../debian/index.js';
import type { ArchiveFormats, FileDigests } from '../ports.js';
import type { BinaryIndexTexts } from '../package-records.js';

/** A file to put in the pool: where it is now (null: already in the pool) and where it goes. */
export interface IncomingFile {
  from: string | null;
  poolPath: string;
  digests: FileDigests;
}

/**
 * A binary ready to store. Its control fields and file list are not kept: the index texts
 * rendered from them are all the archive stores, and a bulk install holds tens of thousands
 * of these at once.
 */
export interface PreparedBinary<Texts = BinaryIndexTexts | StagedTexts> {
  package: string;
  version: string;
  architecture: string;
  file: IncomingFile;
  /**
   * Its Packages stanza and Contents lines, with their digests (as the database keeps them),
   * or the row they were staged in while the install waits (Archive.install).
   */
  index: Texts;
}

export interface StagedTexts {
  staged: number;
}

export interface PreparedSource<Texts = BinaryIndexTexts | StagedTexts> {
  name: string;
  version: string;
  component: string;
  dsc: { fields: Stanza; file: IncomingFile; files: IncomingFile[] } | null;
  binaries: PreparedBinary<Texts>[];
}

export interface PackageInput {
  /** Path of a .dsc; the files it names lie beside it or are in the pool already. */
  dsc?: string;
  /** Paths of .deb files built from that source. */
  debs?: string[];
  /**
   * .deb files built from that source whose control data and digests the caller has
   * verified already (a mirror: each file checked against a signed index, its stanza
   * taken from that index), installed without reading them again.
   */
  verifiedDebs?: VerifiedDeb[];
  /** Digests of files named by the .dsc (by path beside it) the caller has checked already. */
  verifiedFiles?: ReadonlyMap<string, FileDigests>;
}

/** A .deb known without reading it: where it is, its control fields, digests and files. */
export interface VerifiedDeb {
  path: string;
  control: Stanza;
  digests: FileDigests;
  /** Paths of its files for Contents (empty: Contents lists none of them). */
  files: string[];
}

/** Looks up a pool file of the repository by its pool path. */
export type PoolLookup = (poolPath: string) => FileDigests | undefined;

export const fieldOf = (fields: Stanza, name: string): string | undefined => fields.get(name);

const withoutEpoch = (version: string) => version.replace(/^\d+:/, '');

/** Reads a source package and its binaries, checking they belong together. */
export async function prepareSource(
  input: PackageInput,
  component: string,
  deps: { formats: ArchiveFormats; poolFile: PoolLookup },
  signal?: AbortSignal,
): Promise<PreparedSource<BinaryIndexTexts>> {
  const debs = [
    ...(await Promise.all((input.debs ?? []).map((deb) => readBinary(deb, deps.formats, signal)))),
    ...(input.verifiedDebs ?? []).map((deb) => binaryOf(deb.path, deb)),
  ];
  if (!input.dsc && debs.length === 0) {
    throw new InvalidInputError('nothing to install: give a .dsc, .deb files or both');
  }
  const dsc = input.dsc ? await deps.formats.readDsc(input.dsc, signal) : null;
  const name = dsc ? required(dsc.fields, 'Source', input.dsc!) : debs[0]!.sourceName;
  const version = dsc ? required(dsc.fields, 'Version', input.dsc!) : debs[0]!.sourceVersion;
  checkSourceName(name);
  const dir = poolDirectory(component, name);
  for (const deb of debs) {
    if (deb.sourceName !== name || deb.sourceVersion !== version) {
      throw new InvalidInputError(
        `${path.basename(deb.path)} was built from source ${deb.sourceName} ${deb.sourceVersion}, not ${name} ${version}`,
      );
    }
  }
  const binaries = debs.map((b): PreparedBinary<BinaryIndexTexts> => {
    const poolPath = `${dir}/${b.package}_${withoutEpoch(b.version)}_${b.architecture}.deb`;
    const index = indexTexts(b, poolPath, b.digests, deps.formats);
    const { package: name, version: v, architecture } = b;
    return {
      package: name,
      version: v,
      architecture,
      file: { from: b.path, poolPath, digests: b.digests },
      index,
    };
  });
  checkDuplicates(binaries);
  if (!dsc) return { name, version, component, dsc: null, binaries };
  const dscName = path.basename(input.dsc!);
  const verified = input.verifiedFiles;
  checkFileName(dscName);
  const files = await Promise.all(
    dsc.files.map((ref) =>
      sourceFile(ref, path.dirname(input.dsc!), dscName, dir, { ...deps, verified }, signal),
    ),
  );
  const dscFile = { from: input.dsc!, poolPath: `${dir}/${dscName}`, digests: dsc.digests };
  return { name, version, component, dsc: { fields: dsc.fields, file: dscFile, files }, binaries };
}

/**
 * What the indices show of a binary, rendered while packages are read rather than in the
 * install transaction: a bulk install reads on worker threads, leaving this thread free.
 * Valid for the pool file whatever happens: one already in the pool under this path has
 * the same checksums, or the install fails with a conflict.
 */
function indexTexts(
  b: { package: string; control: Stanza; files: string[]; section: string },
  poolPath: string,
  digests: FileDigests,
  formats: ArchiveFormats,
): BinaryIndexTexts {
  const stanza = formats.packagesStanza(b.control, poolPath, digests);
  const qualified = `${b.section}/${b.package}`;
  const contents = [...b.files]
    .sort()
    .map((p) => `${p}\t${qualified}\n`)
    .join('');
  return { stanza, digest: sha256(stanza), contents, contentsDigest: sha256(contents) };
}

const sha256 = (text: string) => hash('sha256', text, 'hex');

function required(fields: Stanza, name: string, file: string): string {
  const value = fieldOf(fields, name);
  if (!value) throw new InvalidInputError(`${path.basename(file)} has no ${name} field`);
  return value;
}

async function readBinary(deb: string, formats: ArchiveFormats, signal?: AbortSignal) {
  return binaryOf(deb, await formats.readDeb(deb, signal));
}

function binaryOf(deb: string, info: { control: Stanza; files: string[]; digests: FileDigests }) {
  const pkg = required(info.control, 'Package', deb);
  const version = required(info.control, 'Version', deb);
  const architecture = required(info.control, 'Architecture', deb);
  const source = /^(\S+)(?:\s+\((\S+)\))?$/.exec(fieldOf(info.control, 'Source') ?? pkg);
  if (!source) throw new InvalidInputError(`${path.basename(deb)} has a malformed Source field`);
  return {
    path: deb,
    package: pkg,
    version,
    architecture,
    control: info.control,
    files: info.files,
    digests: info.digests,
    section: fieldOf(info.control, 'Section') ?? 'misc',
    sourceName: source[1]!,
    sourceVersion: source[2] ?? version,
  };
}

function checkDuplicates(binaries: readonly { package: string; architecture: string }[]): void {
  const seen = new Set<string>();
  for (const b of binaries) {
    const key = `${b.package}_${b.architecture}`;
    if (seen.has(key)) throw new InvalidInputError(`${key}.deb is given twice`);
    seen.add(key);
  }
}

async function sourceFile(
  ref: { name: string; size: number; md5?: string; sha256?: string },
  beside: string,
  dscName: string,
  dir: string,
  deps: {
    formats: ArchiveFormats;
    poolFile: PoolLookup;
    verified: ReadonlyMap<string, FileDigests> | undefined;
  },
  signal?: AbortSignal,
): Promise<IncomingFile> {
  checkFileName(ref.name);
  const poolPath = `${dir}/${ref.name}`;
  const local = path.join(beside, ref.name);
  const stated = (d: FileDigests) =>
    d.size === ref.size &&
    (ref.md5 === undefined || ref.md5 === d.md5) &&
    (ref.sha256 === undefined || ref.sha256 === d.sha256);
  if (existsSync(local)) {
    const digests = deps.verified?.get(local) ?? (await deps.formats.hashFile(local, signal));
    if (!stated(digests)) {
      throw new InvalidInputError(
        `${ref.name} does not match the size and checksums ${dscName} states for it`,
      );
    }
    return { from: local, poolPath, digests };
  }
  const pooled = deps.poolFile(poolPath);
  if (pooled && stated(pooled)) return { from: null, poolPath, digests: pooled };
  throw new InvalidInputError(
    pooled
      ? `${ref.name} (named by ${dscName}) is not beside it, and the pool's ${ref.name} has other checksums`
      : `${ref.name} (named by ${dscName}) is neither beside it nor in the pool`,
  );
}
