import { createReadStream } from 'node:fs';
import type { UploadFileRecord } from '../scheduler/upload-records.js';
import type { ListedFile } from '../debian/file-lists.js';
import { hashStream } from '../debian/hashing.js';
import type { Problem } from '../shared/errors.js';
import type { ArchiveQueries } from './archive-queries.js';
import type { UploadToCheck } from './upload-checker.js';

const HASH_NAMES = [
  ['md5', 'MD5'],
  ['sha1', 'SHA-1'],
  ['sha256', 'SHA-256'],
] as const;

/**
 * Every file the .changes lists is here with the size and checksums it gives. Hashing
 * streams each file (one pass for all checksums), so the daemon stays responsive.
 */
export async function verifyUploadedFiles(
  upload: UploadToCheck,
  listed: readonly ListedFile[],
  signal: AbortSignal,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const file of listed) {
    if (!upload.has(file.name)) {
      problems.push({ where: file.name, message: 'listed by the .changes but not uploaded' });
      continue;
    }
    const actual = await hashStream(createReadStream(upload.pathOf(file.name)), signal);
    if (actual.size !== file.size) {
      problems.push({
        where: file.name,
        message: `is ${actual.size} bytes, the .changes says ${file.size} (cut off during the upload? upload it again)`,
      });
    } else {
      const wrong = HASH_NAMES.filter(([key]) => {
        const expected = file[key];
        return expected !== undefined && expected.toLowerCase() !== actual[key];
      }).map(([, label]) => label);
      if (wrong.length > 0) {
        problems.push({
          where: file.name,
          message: `its ${joinWords(wrong)} ${wrong.length > 1 ? 'checksums do' : 'checksum does'} not match the .changes: this is not the file the .changes describes`,
        });
      }
    }
  }
  return problems;
}

/**
 * Each file of the .dsc is in the upload with the same checksums, or already in the
 * repository's pool with identical content; uploaded files must not differ from pool
 * files of the same name. Returns the .dsc files taken from the pool.
 */
export function checkSourceFiles(
  archive: ArchiveQueries,
  input: {
    repository: string;
    source: string;
    dscName: string;
    dscFiles: readonly ListedFile[];
    uploaded: readonly ListedFile[];
  },
): { fromPool: UploadFileRecord[]; problems: Problem[] } {
  const { repository, source } = input;
  const problems: Problem[] = [];
  const fromPool: UploadFileRecord[] = [];
  const uploaded = new Map(input.uploaded.map((f) => [f.name, f]));
  // The pool folder follows the component, which the .changes gives with each section.
  const component = componentOf(input.uploaded.find((f) => f.name === input.dscName)?.section);
  const status = (file: ListedFile) =>
    archive.poolFileStatus(repository, component, source, file.name, {
      size: file.size,
      sha256: file.sha256?.toLowerCase() ?? '',
    });
  for (const file of input.dscFiles) {
    const inUpload = uploaded.get(file.name);
    if (inUpload) {
      if (!sameContent(file, inUpload)) {
        problems.push({
          where: file.name,
          message: `the .dsc and the .changes give it different sizes or checksums`,
        });
      }
      continue;
    }
    const pooled = status(file);
    if (pooled === 'absent') {
      problems.push({
        where: file.name,
        message: `named by ${input.dscName} but neither uploaded nor in repository ${repository}: include it in the upload (dpkg-genchanges -sa)`,
      });
    } else if (pooled === 'different') {
      problems.push({
        where: file.name,
        message: `named by ${input.dscName} with other contents than the file of that name in repository ${repository}`,
      });
    } else {
      fromPool.push({
        name: file.name,
        size: file.size,
        sha256: file.sha256!.toLowerCase(),
        inPool: true,
      });
    }
  }
  problems.push(...poolClashes(input.uploaded, repository, status));
  return { fromPool, problems };
}

/** Uploaded files must not differ from pool files of the same name. */
function poolClashes(
  uploaded: readonly ListedFile[],
  repository: string,
  status: (file: ListedFile) => 'same' | 'different' | 'absent',
): Problem[] {
  return uploaded
    .filter((file) => status(file) === 'different')
    .map((file) => ({
      where: file.name,
      message: `differs from the file of that name already in repository ${repository}: a file name stands for one content; leave it out to reuse the one there (dpkg-genchanges -sd), or give a new upstream tarball a new upstream version`,
    }));
}

/** `contrib/libs` → contrib; a plain section is in main. */
function componentOf(section: string | undefined): string {
  return section?.includes('/') ? section.split('/')[0]! : 'main';
}

function joinWords(words: readonly string[]): string {
  return words.length <= 1
    ? words.join('')
    : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function sameContent(a: ListedFile, b: ListedFile): boolean {
  if (a.size !== b.size) return false;
  return (['md5', 'sha1', 'sha256'] as const).every(
    (key) =>
      a[key] === undefined ||
      b[key] === undefined ||
      a[key]!.toLowerCase() === b[key]!.toLowerCase(),
  );
}
