import { promises as fs } from 'node:fs';
import path from 'node:path';
import { checkResult, type CommandResult } from '../exec/command.js';
import { InvalidInputError } from '../shared/errors.js';

/**
 * The upstream tarball of a packaging tree, downloaded by uscan as debian/watch says.
 * The watch file is the repository's, so untrusted: uscan runs in the build sandbox as
 * the build user, its only network the mirror proxy, which lets through GET and HEAD
 * below the `prefixes` an admin gave and refuses (and reports) everything else; the
 * file it writes is capped at `maxBytes` (RLIMIT_FSIZE).
 */
export interface WatchOrig {
  kind: 'watch';
  /** The upstream version to download (debian/changelog's). */
  upstream: string;
  /** http(s) URL prefixes the download (the watch page too) may come from. */
  prefixes: readonly string[];
  /** The largest upstream tarball taken. */
  maxBytes: number;
  /** Told of each request the proxy refused (`GET http://…`, `CONNECT host:443`). */
  onRefused(what: string): void;
  /** Told of the tarball taken: its name and whether a signature was downloaded too. */
  onDownloaded?(file: { name: string; signature: string | null }): void;
}

/** The tool layer uscan runs from (over the target's base; no recommends). */
export const USCAN_LAYER = {
  name: 'uscan',
  packages: ['devscripts', 'liblwp-protocol-https-perl', 'ca-certificates'],
  recommends: false,
} as const;

/** uscan's exit status when RLIMIT_FSIZE killed it (128 + SIGXFSZ). */
const FILE_TOO_LARGE = 128 + 25;

/**
 * The sandbox step (sh -c, in /build, as the build user): unpacks the tree into pkg/
 * and runs uscan there for the version, into dl/. uscan's own status is what the step
 * exits with. Arguments: the byte cap, the upstream version.
 */
export const USCAN_SCRIPT = [
  'mkdir pkg dl && tar -xf tree.tar -C pkg && cd pkg || exit 2',
  'prlimit --fsize="$1" -- uscan --no-conf --verbose --check-dirname-level 0 --rename --timeout 60 --destdir ../dl --download-version "$2"',
  // Not exec'd: a kill by SIGXFSZ is the shell's status 153, not a signal of the step.
  'exit $?',
].join('\n');

/** One sandbox step whose failure is the caller's to judge; network through the proxy. */
export type Step = (
  argv: string[],
  cwd: string,
  onRefused?: (what: string) => void,
) => Promise<CommandResult>;

/**
 * uscan downloads the upstream tarball in the sandbox (`work` is its /build, holding
 * tree.tar); the tarball (and its signature, which uscan checked against
 * debian/upstream/signing-key.asc) is moved to /build. Returns its name.
 */
export async function downloadOrig(
  source: string,
  orig: WatchOrig,
  work: string,
  step: Step,
): Promise<string> {
  const refused: string[] = [];
  const result = await step(
    ['sh', '-c', USCAN_SCRIPT, 'uscan', String(orig.maxBytes), orig.upstream],
    '/build',
    (what) => {
      refused.push(what);
      orig.onRefused(what);
    },
  );
  const got = await judgeDownload(result, {
    dl: path.join(work, 'dl'),
    source,
    upstream: orig.upstream,
    prefixes: orig.prefixes,
    maxBytes: orig.maxBytes,
    refused,
  });
  orig.onDownloaded?.(got);
  const files = [got.name, ...(got.signature ? [got.signature] : [])];
  const moved = await step(
    ['sh', '-c', 'mv "$@" .. && cd .. && rm -rf pkg dl', 'take', ...files],
    '/build/dl',
  );
  checkResult(moved, 'taking the upstream tarball');
  return got.name;
}

/** The upstream tarball uscan left for `<source>_<upstream>`, as a file in `dl`. */
export interface Downloaded {
  name: string;
  signature: string | null;
}

/**
 * What uscan's step came to: the tarball (and signature) it downloaded into `dl` (a
 * host folder, read without following links), or a clear error naming the cause: a
 * refused URL, the size cap, uscan's failure, or nothing downloaded.
 */
export async function judgeDownload(
  result: CommandResult,
  input: {
    dl: string;
    source: string;
    upstream: string;
    prefixes: readonly string[];
    maxBytes: number;
    refused: readonly string[];
  },
): Promise<Downloaded> {
  const stem = `${input.source}_${input.upstream}.orig.tar.`;
  const entries = await fs.readdir(input.dl).catch(() => [] as string[]);
  const sizes = await Promise.all(
    entries.map(async (name) => ({ name, stat: await fs.lstat(path.join(input.dl, name)) })),
  );
  const tail = lastLines(`${result.stdout}\n${result.stderr}`, 6);
  const tarballs = sizes.filter(
    (f) =>
      f.stat.isFile() &&
      f.name.startsWith(stem) &&
      /^(gz|bz2|xz|lzma|zst)$/.test(f.name.slice(stem.length)),
  );
  if (input.refused.length > 0 && (result.exitCode !== 0 || tarballs.length !== 1)) {
    throw new InvalidInputError(
      `uscan could not download the upstream tarball: debyard refused ${input.refused.join(', ')}: not below the git source's orig URL prefixes (${input.prefixes.join(', ')})`,
    );
  }
  const big = sizes.find((f) => f.stat.size >= input.maxBytes);
  if (result.exitCode === FILE_TOO_LARGE || big) {
    throw new InvalidInputError(
      `uscan's download${big ? ` ${big.name}` : ''} is larger than the cap of ${input.maxBytes} bytes: not taken`,
    );
  }
  if (result.exitCode !== 0 || result.timedOut) {
    const how = result.timedOut ? 'ran out of time' : `exited with status ${result.exitCode}`;
    throw new InvalidInputError(
      `uscan ${how} downloading upstream version ${input.upstream}${tail ? `:\n${tail}` : ''}`,
    );
  }
  if (tarballs.length !== 1) {
    const got = sizes.map((f) => f.name).join(', ') || 'nothing';
    throw new InvalidInputError(
      `uscan downloaded no upstream tarball ${stem}* for version ${input.upstream} (it left ${got})${tail ? `:\n${tail}` : ''}`,
    );
  }
  const name = tarballs[0]!.name;
  const signature = sizes.find((f) => f.stat.isFile() && f.name === `${name}.asc`)?.name ?? null;
  return { name, signature };
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').filter(Boolean).slice(-count).join('\n');
}
