import { createReadStream } from 'node:fs';
import type { ResolvedDistribution } from '../archive/archive-config.js';
import type { Changes } from '../debian/changes.js';
import { readDeb } from '../debian/deb-reader.js';
import { isBinaryPackageFile } from '../debian/names.js';
import type { UploadFile } from '../debian/upload-files.js';
import type { Problem } from '../shared/errors.js';
import type { UploadToCheck } from './upload-checker.js';

/** The binary package files (.deb, .udeb, .ddeb) a .changes lists. */
export function binaryFilesOf(changes: Pick<Changes, 'files'>): UploadFile[] {
  return changes.files.filter((f) => f.parsed && isBinaryPackageFile(f.parsed.kind));
}

/**
 * Each binary package of an upload is what its name and the .changes say: its control
 * data (read from the package itself) gives the same Package, Version and Architecture
 * as its file name, and the source and version the .changes uploads; its architecture is
 * one of the target distribution's (or all). Names, sizes and checksums against the
 * .changes are checked with every file (check-files.ts); the Binary and Architecture
 * fields against the names by debian/changes.ts.
 */
export async function checkBinaryPackages(
  upload: UploadToCheck,
  changes: Changes,
  target: ResolvedDistribution | undefined,
  signal: AbortSignal,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const file of binaryFilesOf(changes)) {
    if (!upload.has(file.name)) continue; // reported by verifyUploadedFiles
    const named = file.parsed!;
    const add = (message: string) => problems.push({ where: file.name, message });
    const archs = target?.distribution.architectures ?? [];
    if (target && named.architecture !== 'all' && !archs.includes(named.architecture!)) {
      add(
        `is for architecture ${named.architecture}, which ${target.name} does not have (it has ${archs.join(', ')}, and all)`,
      );
    }
    let control;
    try {
      ({ control } = await readDeb(createReadStream(upload.pathOf(file.name)), {
        name: file.name,
        signal,
      }));
    } catch (error) {
      if (signal.aborted) throw error;
      add(`is not a readable binary package: ${(error as Error).message}`);
      continue;
    }
    const field = (name: string) => control.get(name) ?? '(none)';
    if (field('Package') !== named.package) {
      add(`its control data says Package ${field('Package')}, its name says ${named.package}`);
    }
    if (field('Architecture') !== named.architecture) {
      add(
        `its control data says Architecture ${field('Architecture')}, its name and the .changes say ${named.architecture}`,
      );
    }
    if (field('Version') !== changes.version) {
      add(
        `its control data says Version ${field('Version')}, the .changes says ${changes.version}`,
      );
    }
    const source = /^(\S+)(?:\s+\((\S+)\))?$/.exec(control.get('Source') ?? field('Package'));
    const [sourceName, sourceVersion] = [source?.[1], source?.[2] ?? field('Version')];
    if (sourceName !== changes.source || sourceVersion !== changes.sourceVersion) {
      add(
        `is built from source ${sourceName ?? '(unreadable)'} ${sourceVersion}, but the .changes uploads ${changes.source} ${changes.sourceVersion}`,
      );
    }
  }
  return problems;
}
