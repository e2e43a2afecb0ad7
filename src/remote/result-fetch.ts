import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { readChangesFiles } from '../builder/control-files.js';
import { RemotePeerError, type Problem } from '../shared/errors.js';
import type { PeerApi, PeerBuildResult } from './peer-api.js';
import { describeFile } from './received-file.js';

/**
 * Fetches a finished peer job's .changes into `resultDir`, then every file it lists,
 * each checked against the size and SHA-256 the .changes gives. Returns the local paths
 * (the .changes first); a result without a .changes has no files.
 */
export async function fetchResults(
  api: PeerApi,
  job: string,
  result: PeerBuildResult,
  resultDir: string,
  signal: AbortSignal,
): Promise<{ changes: string | null; files: string[] }> {
  if (!result.changes) return { changes: null, files: [] };
  await mkdir(resultDir, { recursive: true });
  const changes = path.join(resultDir, result.changes);
  await api.download(job, result.changes, changes, signal);
  const listed = readChangesFiles(await readFile(changes, 'utf8'), result.changes);
  const problems: Problem[] = [];
  for (const entry of listed) {
    const target = path.join(resultDir, entry.name);
    await api.download(job, entry.name, target, signal);
    const actual = await describeFile(target);
    if (actual.size !== entry.size) {
      problems.push({
        where: entry.name,
        message: `has ${actual.size} bytes, the .changes says ${entry.size}`,
      });
    } else if (actual.sha256 !== entry.sha256.toLowerCase()) {
      problems.push({
        where: entry.name,
        message: `has SHA-256 ${actual.sha256}, the .changes says ${entry.sha256}`,
      });
    }
  }
  if (problems.length > 0) {
    throw new RemotePeerError(`the result files fetched do not match ${result.changes}`, {
      problems,
    });
  }
  return { changes, files: [changes, ...listed.map((entry) => path.join(resultDir, entry.name))] };
}
