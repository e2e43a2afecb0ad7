// INTERIM: stands in for src/debian (branch formats) until it lands; replaced then.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { InvalidInputError } from '../shared/errors.js';
import type {
  ArchiveFormats,
  ControlFields,
  DscFileRef,
  FileDigests,
  PoolFileRef,
  ReleaseContent,
} from './ports.js';

const run = promisify(execFile);

function parseStanza(text: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (/^[ \t]/.test(line) && fields.length) {
      fields[fields.length - 1]![1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new InvalidInputError(`bad control line "${line}"`);
    fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  return fields;
}

function stripSignature(text: string): string {
  if (!text.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) return text;
  const body = text.split(/\n\n/).slice(1).join('\n\n');
  return body.split('\n-----BEGIN PGP SIGNATURE-----')[0]!.replace(/^- /gm, '');
}

export async function hashFile(file: string): Promise<FileDigests> {
  const hashes = ['md5', 'sha1', 'sha256', 'sha512'].map((a) => createHash(a));
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    size += chunk.length;
    for (const h of hashes) h.update(chunk);
  }
  const [md5, sha1, sha256, sha512] = hashes.map((h) => h.digest('hex')) as [
    string,
    string,
    string,
    string,
  ];
  return { size, md5, sha1, sha256, sha512 };
}

const field = (fields: ControlFields, name: string) =>
  fields.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

function render(fields: ControlFields): string {
  return fields.map(([n, v]) => (v.startsWith('\n') ? `${n}:${v}` : `${n}: ${v}`)).join('\n');
}

export const interimFormats: ArchiveFormats & { hashFile: typeof hashFile } = {
  hashFile,
  async readDeb(file) {
    const [control, contents, digests] = await Promise.all([
      run('dpkg-deb', ['-f', file]),
      run('dpkg-deb', ['-c', file], { maxBuffer: 64 << 20 }),
      hashFile(file),
    ]);
    const files = contents.stdout
      .split('\n')
      .filter((l) => l && !l.startsWith('d'))
      .map((l) =>
        l
          .split(/\s+/)
          .slice(5)
          .join(' ')
          .split(' -> ')[0]!
          .replace(/^\.?\//, ''),
      );
    return { control: parseStanza(control.stdout), files, digests };
  },
  async readDsc(file) {
    const text = stripSignature(await readFile(file, 'utf8'));
    const fields = parseStanza(text);
    const files = new Map<string, DscFileRef>();
    const lines = (name: string) =>
      (field(fields, name) ?? '')
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((p) => p.length === 3);
    for (const [md5, size, name] of lines('Files'))
      files.set(name!, { name: name!, size: Number(size), md5 });
    for (const [sha256, , name] of lines('Checksums-Sha256')) {
      const ref = files.get(name!);
      if (ref) ref.sha256 = sha256;
    }
    return { fields, files: [...files.values()], digests: await hashFile(file) };
  },
  packagesStanza(control, filename, d) {
    return render([
      ...control,
      ['Filename', filename],
      ['Size', String(d.size)],
      ['MD5sum', d.md5],
      ['SHA1', d.sha1],
      ['SHA256', d.sha256],
    ]);
  },
  sourcesStanza(dsc, directory, files: readonly PoolFileRef[]) {
    const skip = new Set(['source', 'files', 'checksums-sha1', 'checksums-sha256', 'format']);
    const list = (hash: (f: PoolFileRef) => string) =>
      '\n' + files.map((f) => ` ${hash(f)} ${f.digests.size} ${f.name}`).join('\n');
    return render([
      ['Package', field(dsc, 'Source') ?? ''],
      ['Format', field(dsc, 'Format') ?? '1.0'],
      ...dsc.filter(([n]) => !skip.has(n.toLowerCase())),
      ['Directory', directory],
      ['Files', list((f) => f.digests.md5)],
      ['Checksums-Sha256', list((f) => f.digests.sha256)],
    ]);
  },
  compareVersions(a, b) {
    if (a === b) return 0;
    try {
      execFileSync('dpkg', ['--compare-versions', a, 'lt', b]);
      return -1;
    } catch {
      return 1;
    }
  },
  releaseFile(release: ReleaseContent) {
    const sum = (key: 'sha256' | 'sha512') =>
      '\n' +
      release.files.map((f) => ` ${f[key]} ${String(f.size).padStart(16)} ${f.path}`).join('\n');
    return `${render([...release.fields, ['SHA256', sum('sha256')], ['SHA512', sum('sha512')]])}\n`;
  },
};

/** INTERIM xz: the xz command (until src/debian's compression lands). */
export const interimXz = {
  xz(data: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        'xz',
        ['-c', '-6', '--check=crc64', '-T1'],
        { encoding: 'buffer', maxBuffer: 1 << 30 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      );
      child.stdin!.end(data);
    });
  },
};
