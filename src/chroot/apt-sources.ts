import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { withRegularFile } from '../shared/regular-file.js';

/**
 * The URIs of apt sources: one-line `deb [options] URI suite …` entries and deb822
 * stanzas (`URIs:` fields) alike; comments and disabled stanzas are left out.
 */
export function sourceUris(text: string, format: 'list' | 'sources'): string[] {
  if (format === 'list') {
    return text
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim())
      .map((line) => /^deb(?:-src)?\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line)?.[1])
      .filter((uri): uri is string => uri !== undefined);
  }
  const uris: string[] = [];
  const stanzas = text.replace(/^#.*\n?/gm, '').split(/\n[ \t]*\n/);
  for (const stanza of stanzas) {
    if (/^Enabled:\s*no\s*$/im.test(stanza)) continue;
    const field = /^URIs:[ \t]*(.*(?:\n[ \t]+.*)*)/im.exec(stanza)?.[1];
    if (field) uris.push(...field.split(/\s+/).filter(Boolean));
  }
  return uris;
}

/**
 * The URIs of the apt sources configured in a chroot tree, read from the host side
 * without following links out of the tree.
 */
export async function treeSourceUris(tree: string): Promise<string[]> {
  const etc = await realpath(path.join(tree, 'etc/apt')).catch(() => '');
  if (!etc.startsWith(`${await realpath(tree)}/`)) return [];
  const read = (file: string) => readRegular(file).catch(() => '');
  const uris = sourceUris(await read(path.join(etc, 'sources.list')), 'list');
  const parts = await readdir(path.join(etc, 'sources.list.d')).catch(() => [] as string[]);
  for (const name of parts.sort()) {
    const file = path.join(etc, 'sources.list.d', name);
    if (name.endsWith('.list')) uris.push(...sourceUris(await read(file), 'list'));
    else if (name.endsWith('.sources')) uris.push(...sourceUris(await read(file), 'sources'));
  }
  return uris;
}

async function readRegular(file: string): Promise<string> {
  return withRegularFile(
    file,
    async (handle, stat) => (stat.size > 1024 * 1024 ? '' : handle.readFile('utf8')),
    { notRegular: () => '' },
  );
}
