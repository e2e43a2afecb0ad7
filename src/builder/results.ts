import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError, type Problem } from '../shared/errors.js';
import { readChangesFiles } from './control-files.js';
import { withRegularFile } from '../shared/regular-file.js';

/** The result files of a build, in the result folder. */
export interface BuildResults {
  changes: string;
  /** The .changes and every file it lists. */
  files: string[];
}

const BUILT = /\.(deb|udeb|ddeb|buildinfo)$/;
const MAX_CHANGES = 1024 * 1024;
/** The largest result file taken by default (a .deb of 4 GiB is beyond any in Debian). */
export const MAX_RESULT_FILE = 4 * 1024 ** 3;

/**
 * Finds the one .changes dpkg-buildpackage wrote into the build folder, checks it
 * against what was built (every listed file present with its size and SHA-256, every
 * built package and .buildinfo listed) and copies them all into `resultDir`.
 *
 * The build folder was writable by the build: every process of the build must be dead
 * before this runs. Each file is opened without following links and must be a regular
 * file (a link to a host file would otherwise be read as the daemon's user), at most
 * `maxFileBytes` long.
 */
export async function collectResults(
  buildDir: string,
  resultDir: string,
  maxFileBytes = MAX_RESULT_FILE,
): Promise<BuildResults> {
  const entries = await readdir(buildDir);
  const changesNames = entries.filter((name) => name.endsWith('.changes'));
  if (changesNames.length !== 1) {
    throw new InvalidInputError(
      `the build left ${changesNames.length} .changes files instead of one${changesNames.length ? `: ${changesNames.join(', ')}` : ''}`,
    );
  }
  const changesName = changesNames[0]!;
  const changesText = await withResult(buildDir, changesName, MAX_CHANGES, (file) =>
    file.readFile('utf8'),
  ).catch((error: unknown) => {
    if (error instanceof ResultFileError) {
      throw new InvalidInputError(`${changesName} ${error.message}`);
    }
    throw error;
  });
  const listed = readChangesFiles(changesText, changesName);
  await mkdir(resultDir, { recursive: true });
  const problems: Problem[] = [];
  for (const file of listed) {
    const problem = await copyChecked(buildDir, resultDir, file, maxFileBytes);
    if (problem) problems.push({ where: file.name, message: problem });
  }
  const names = new Set(listed.map((file) => file.name));
  for (const name of entries.filter((entry) => BUILT.test(entry) && !names.has(entry))) {
    problems.push({ where: name, message: `was built but ${changesName} does not list it` });
  }
  if (problems.length > 0) {
    throw new InvalidInputError(`the build results do not match ${changesName}`, { problems });
  }
  const changes = path.join(resultDir, changesName);
  const out = await open(changes, 'w', 0o644);
  await out.writeFile(changesText).finally(() => out.close());
  const files = [changesName, ...listed.map((file) => file.name)];
  return { changes, files: files.map((name) => path.join(resultDir, name)) };
}

/** Why a result file is refused (the message follows the file's name). */
class ResultFileError extends InvalidInputError {}

/** Opens a result file safely (no links, regular, bounded) and hands it to `use`. */
async function withResult<T>(
  dir: string,
  name: string,
  maxBytes: number,
  use: (file: FileHandle, size: number) => Promise<T>,
): Promise<T> {
  return withRegularFile(
    path.join(dir, name),
    async (file, stat) => {
      if (stat.size > maxBytes) {
        throw new ResultFileError(`has ${stat.size} bytes, more than the ${maxBytes} allowed`);
      }
      return use(file, stat.size);
    },
    {
      notRegular: () => {
        throw new ResultFileError('is not a regular file');
      },
      openFailed: (error) => {
        if (error.code === 'ENOENT')
          throw new ResultFileError('is listed in the .changes but was not built');
        if (error.code === 'ELOOP') throw new ResultFileError('is a symbolic link, not a file');
        throw error;
      },
    },
  );
}

/** Copies one listed file into the result folder, checking its size and SHA-256. */
async function copyChecked(
  buildDir: string,
  resultDir: string,
  expected: { name: string; size: number; sha256: string },
  maxBytes: number,
): Promise<string | null> {
  const target = path.join(resultDir, expected.name);
  try {
    return await withResult(buildDir, expected.name, maxBytes, async (file, size) => {
      if (size !== expected.size) return `has ${size} bytes, the .changes says ${expected.size}`;
      const hash = createHash('sha256');
      const out = await open(target, 'w', 0o644);
      try {
        for await (const chunk of file.createReadStream({ autoClose: false })) {
          hash.update(chunk as Buffer);
          await out.write(chunk as Buffer);
        }
      } finally {
        await out.close();
      }
      const digest = hash.digest('hex');
      if (digest === expected.sha256.toLowerCase()) return null;
      await rm(target, { force: true });
      return `has SHA-256 ${digest}, the .changes says ${expected.sha256}`;
    });
  } catch (error) {
    if (error instanceof ResultFileError) return error.message;
    throw error;
  }
}
