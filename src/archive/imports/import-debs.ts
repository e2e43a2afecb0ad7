import path from 'node:path';
import { parseSingleStanza } from '../../debian/deb822.js';
import { InvalidInputError, type Problem } from '../../shared/errors.js';
import { readFile } from 'node:fs/promises';
import type { ArchiveConfig } from '../archive-config.js';
import type { Archive, ChangeResult } from '../archive.js';
import type { PackageInput } from '../packages/prepare.js';
import type { ArchiveFormats } from '../ports.js';
import { collectImportFiles } from './import-files.js';

export interface ImportDebsInput {
  repository: string;
  /** A suite distribution of that repository, e.g. bookworm-test-unstable. */
  distribution: string;
  /** Absolute paths on this host: .deb, .udeb, .dsc and .changes files, or folders. */
  paths: string[];
  component?: string;
}

export interface ImportDebsDeps {
  config: Pick<ArchiveConfig, 'resolve'>;
  archive: Pick<Archive, 'install'>;
  formats: ArchiveFormats;
}

export interface ImportDebsResult {
  distribution: string;
  packages: { source: string; version: string; files: string[]; changed: boolean }[];
}

/**
 * Puts existing packages into a distribution (an admin's import, e.g. from reprepro or
 * aptly): every file is read and checked first — each .deb's control data and its whole
 * data member, each .dsc and the checksums of the files it names, the checksums of the
 * files a .changes lists — and any problem, all of them listed, imports nothing. Then all
 * the packages go into the archive in one install (one transaction, one publish).
 */
export async function importDebs(
  deps: ImportDebsDeps,
  input: ImportDebsInput,
  signal?: AbortSignal,
): Promise<ImportDebsResult> {
  const target = deps.config.resolve(input.distribution);
  if (target.repository.id !== input.repository) {
    throw new InvalidInputError(
      `${input.distribution} is a distribution of repository ${target.repository.id}, not of ${input.repository}`,
    );
  }
  const files = await collectImportFiles(input.paths);
  const problems: Problem[] = [...files.problems];
  const groups = new Map<string, PackageInput & { files: string[] }>();
  const group = (source: string, version: string) => {
    const key = `${source} ${version}`;
    let entry = groups.get(key);
    if (!entry) groups.set(key, (entry = { debs: [], files: [] }));
    return entry;
  };
  for (const changes of files.changes)
    problems.push(...(await checkChanges(changes, deps.formats, signal)));
  for (const dsc of files.dscs) {
    try {
      const info = await deps.formats.readDsc(dsc, signal);
      const [source, version] = [info.fields.get('Source'), info.fields.get('Version')];
      if (!source || !version) throw new Error('has no Source or no Version field');
      for (const ref of info.files) {
        const beside = path.join(path.dirname(dsc), ref.name);
        const digests = await deps.formats.hashFile(beside, signal).catch(() => null);
        if (!digests)
          problems.push({ where: dsc, message: `names ${ref.name}, which is not beside it` });
        else if (digests.size !== ref.size || (ref.sha256 && ref.sha256 !== digests.sha256)) {
          problems.push({
            where: beside,
            message: `does not match the size and checksums ${path.basename(dsc)} states for it`,
          });
        }
      }
      const entry = group(source, version);
      if (entry.dsc)
        problems.push({
          where: dsc,
          message: `${source} ${version} is given twice (also ${entry.dsc})`,
        });
      entry.dsc = dsc;
      entry.files.push(path.basename(dsc));
    } catch (error) {
      problems.push({ where: dsc, message: messageOf(error) });
    }
  }
  for (const deb of files.debs) {
    try {
      const { control } = await deps.formats.readDeb(deb, signal);
      const [name, version, arch] = ['Package', 'Version', 'Architecture'].map((f) =>
        control.get(f),
      );
      if (!name || !version || !arch)
        throw new Error('has no Package, Version or Architecture field');
      const source = /^(\S+)(?:\s+\((\S+)\))?$/.exec(control.get('Source') ?? name);
      if (!source) throw new Error('has a malformed Source field');
      const entry = group(source[1]!, source[2] ?? version);
      entry.debs!.push(deb);
      entry.files.push(path.basename(deb));
    } catch (error) {
      problems.push({ where: deb, message: `is not a readable .deb: ${messageOf(error)}` });
    }
  }
  if (problems.length > 0) {
    throw new InvalidInputError(
      `nothing was imported into ${input.distribution}: ${problems.length === 1 ? 'a file is' : `${problems.length} problems are`} in the way`,
      { problems },
    );
  }
  const packages = [...groups.values()];
  const results: ChangeResult[] = await deps.archive.install(
    {
      distribution: input.distribution,
      packages: packages.map(({ dsc, debs }) => ({ ...(dsc && { dsc }), debs })),
      ...(input.component && { component: input.component }),
    },
    signal,
  );
  return {
    distribution: input.distribution,
    packages: results.map((r, i) => ({
      source: r.source,
      version: r.version,
      files: packages[i]!.files,
      changed: r.changed,
    })),
  };
}

/** The files a .changes lists that lie beside it must have the checksums it states. */
async function checkChanges(
  file: string,
  formats: ArchiveFormats,
  signal?: AbortSignal,
): Promise<Problem[]> {
  let listed: { sha256: string; size: number; name: string }[];
  try {
    const text = (await readFile(file, 'utf8'))
      .replace(/^-----BEGIN PGP SIGNED MESSAGE-----\n(?:.+\n)*\n/, '')
      .replace(/\n-----BEGIN PGP SIGNATURE-----[\s\S]*$/, '\n');
    const field = parseSingleStanza(text).get('Checksums-Sha256') ?? '';
    listed = field
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((parts) => parts.length === 3)
      .map(([sha256, size, name]) => ({ sha256: sha256!, size: Number(size), name: name! }));
  } catch (error) {
    return [{ where: file, message: `is not a readable .changes file: ${messageOf(error)}` }];
  }
  const problems: Problem[] = [];
  for (const entry of listed) {
    const beside = path.join(path.dirname(file), entry.name);
    const digests = await formats.hashFile(beside, signal).catch(() => null);
    if (!digests) continue; // a file of the upload not imported (e.g. a .buildinfo elsewhere)
    if (digests.size !== entry.size || digests.sha256 !== entry.sha256) {
      problems.push({
        where: beside,
        message: `does not match the size and SHA-256 ${path.basename(file)} states for it`,
      });
    }
  }
  return problems;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
