import { InvalidInputError } from '../shared/errors.js';

/** The first entry's header line of a debian/changelog. */
export interface ChangelogHead {
  source: string;
  version: string;
  /** The distributions it names (usually one; UNRELEASED while work goes on). */
  distributions: string[];
  /** What follows the `;` (urgency and other keywords), as written. */
  keywords: string;
}

const HEAD = /^(\S+) \(([^() \t]+)\) ([^;]+);(.*)$/;

/** Reads the header line of the first entry (`hello (1.0-1) unstable; urgency=medium`). */
export function parseChangelogHead(text: string, where = 'debian/changelog'): ChangelogHead {
  const line = text.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
  const match = line === undefined ? null : HEAD.exec(line.trimEnd());
  if (!match) {
    throw new InvalidInputError(
      `${where} does not start with an entry like "hello (1.0-1) unstable; urgency=medium"`,
    );
  }
  return {
    source: match[1]!,
    version: match[2]!,
    distributions: match[3]!.trim().split(/\s+/),
    keywords: match[4]!,
  };
}

/** The changelog with the first entry's version and distribution replaced. */
export function rewriteChangelogHead(
  text: string,
  change: { version: string; distribution: string },
): string {
  const head = parseChangelogHead(text);
  const lines = text.split('\n');
  const index = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  lines[index] = `${head.source} (${change.version}) ${change.distribution};${head.keywords}`;
  return lines.join('\n');
}
