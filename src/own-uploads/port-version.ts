/** The version tag of a distribution: `~<repository><codeversion>+`. */
export interface VersionTag {
  repository: string;
  codeversion: string;
}

/**
 * The version of a port: the original version without the source distribution's
 * `~<repo><codeversion>+<n>` suffix (when it has it), then the target's suffix with `n`,
 * e.g. 1.0-1~test12+3 from bookworm to trixie → 1.0-1~test13+1.
 */
export function portVersion(
  version: string,
  from: VersionTag | null,
  to: VersionTag,
  n: number,
): string {
  let base = version;
  if (from) {
    const suffix = new RegExp(`~${escape(from.repository)}${escape(from.codeversion)}\\+\\d+$`);
    base = base.replace(suffix, '');
  }
  return `${base}~${to.repository}${to.codeversion}+${n}`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An RFC 2822 date as Debian changelogs write it: `Mon, 01 Jan 2024 00:00:00 +0000`. */
export function changelogDate(date: Date): string {
  const text = date.toUTCString(); // "Mon, 01 Jan 2024 00:00:00 GMT"
  return text.replace(/GMT$/, '+0000');
}

/** A changelog entry (with its trailing blank line), to put on top of debian/changelog. */
export function changelogEntry(input: {
  source: string;
  version: string;
  distribution: string;
  lines: readonly string[];
  maintainer: string;
  date: Date;
}): string {
  return [
    `${input.source} (${input.version}) ${input.distribution}; urgency=medium`,
    '',
    ...input.lines.map((line) => `  ${line}`),
    '',
    ` -- ${input.maintainer}  ${changelogDate(input.date)}`,
    '',
    '',
  ].join('\n');
}
