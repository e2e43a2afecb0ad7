import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { InvalidInputError, type Problem } from '../shared/errors.js';
import { readChangesFiles } from './control-files.js';

/** The result files of a build, in the result folder. */
export interface BuildResults {
  changes: string;
  /** The .changes and every file it lists. */
  files: string[];
}

const BUILT = /\.(deb|udeb|ddeb|buildinfo)$/;

/**
 * Finds the one .changes dpkg-buildpackage wrote into the build folder, checks it
 * against what was built (every listed file present with its size and SHA-256, every
 * built package and .buildinfo listed) and copies them all into `resultDir`.
 */
export async function collectResults(buildDir: string, resultDir: string): Promise<BuildResults> {
  const entries = await readdir(buildDir);
  const changesNames = entries.filter((name) => name.endsWith('.changes'));
  if (changesNames.length !== 1) {
    throw new InvalidInputError(
      `the build left ${changesNames.length} .changes files instead of one${changesNames.length ? `: ${changesNames.join(', ')}` : ''}`,
    );
  }
  const changesName = changesNames[0]!;
  const listed = readChangesFiles(
    await readFile(path.join(buildDir, changesName), 'utf8'),
    changesName,
  );
  const problems: Problem[] = [];
  for (const file of listed) {
    const problem = await checkFile(path.join(buildDir, file.name), file.size, file.sha256);
    if (problem) problems.push({ where: file.name, message: problem });
  }
  const names = new Set(listed.map((file) => file.name));
  for (const name of entries.filter((entry) => BUILT.test(entry) && !names.has(entry))) {
    problems.push({ where: name, message: `was built but ${changesName} does not list it` });
  }
  if (problems.length > 0) {
    throw new InvalidInputError(`the build results do not match ${changesName}`, { problems });
  }
  await mkdir(resultDir, { recursive: true });
  const files = [changesName, ...listed.map((file) => file.name)];
  for (const name of files) await copyFile(path.join(buildDir, name), path.join(resultDir, name));
  return {
    changes: path.join(resultDir, changesName),
    files: files.map((name) => path.join(resultDir, name)),
  };
}

async function checkFile(file: string, size: number, sha256: string): Promise<string | null> {
  let actual;
  try {
    actual = await stat(file);
  } catch {
    return 'is listed in the .changes but was not built';
  }
  if (actual.size !== size) return `has ${actual.size} bytes, the .changes says ${size}`;
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  const digest = hash.digest('hex');
  return digest === sha256.toLowerCase()
    ? null
    : `has SHA-256 ${digest}, the .changes says ${sha256}`;
}
