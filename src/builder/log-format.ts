/** sbuild-style framing of build logs: banners, section headers and the summary. */

const WIDTH = 80;

function boxed(text: string, edge: string): string {
  const rule = `+${edge.repeat(WIDTH - 2)}+`;
  return `${rule}\n| ${text.padEnd(WIDTH - 4)} |\n${rule}\n`;
}

/** The banner that opens a log: what is built, and when. */
export function banner(title: string, time: Date): string {
  const stamp = `${time
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')} UTC`;
  const gap = Math.max(1, WIDTH - 4 - title.length - stamp.length);
  return boxed(`${title}${' '.repeat(gap)}${stamp}`, '=');
}

/** A section header such as "Install package build dependencies". */
export function section(title: string): string {
  return `\n${boxed(title, '-')}\n`;
}

/** "Key: value" lines, sorted by key as sbuild prints its summary. */
export function fields(values: Record<string, string | number | null | undefined>): string {
  return Object.entries(values)
    .filter(
      (entry): entry is [string, string | number] => entry[1] !== null && entry[1] !== undefined,
    )
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}: ${value}\n`)
    .join('');
}
