import { writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * Small valid .debs written directly (ar, control.tar.gz, data.tar.gz), thousands a
 * second, for the mirror benchmark: a realistic control paragraph, one data file.
 */
export function writeSyntheticDeb(
  dir: string,
  spec: { name: string; version: string; arch: string; depends?: string; section?: string },
): string {
  const control =
    `Package: ${spec.name}\nVersion: ${spec.version}\nArchitecture: ${spec.arch}\n` +
    `Maintainer: Bench Maintainer <bench@example.org>\nInstalled-Size: 4\n` +
    (spec.depends ? `Depends: ${spec.depends}\n` : '') +
    `Section: ${spec.section ?? 'misc'}\nPriority: optional\nHomepage: https://example.org/${spec.name}\n` +
    `Description: synthetic package ${spec.name}\n A package of the debyard mirror benchmark, with a\n description of a few lines like most packages have.\n`;
  const controlTar = zlib.gzipSync(tar([['./control', Buffer.from(control)]]));
  const dataTar = zlib.gzipSync(
    tar([[`./usr/share/doc/${spec.name}/README`, Buffer.from(`${spec.name} ${spec.version}\n`)]]),
  );
  const deb = ar([
    ['debian-binary', Buffer.from('2.0\n')],
    ['control.tar.gz', controlTar],
    ['data.tar.gz', dataTar],
  ]);
  const file = path.join(dir, `${spec.name}_${spec.version}_${spec.arch}.deb`);
  writeFileSync(file, deb);
  return file;
}

function ar(members: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n')];
  for (const [name, data] of members) {
    const header =
      name.padEnd(16) +
      '0'.padEnd(12) +
      '0'.padEnd(6) +
      '0'.padEnd(6) +
      '100644'.padEnd(8) +
      String(data.length).padEnd(10) +
      '`\n';
    parts.push(Buffer.from(header, 'latin1'), data);
    if (data.length % 2 === 1) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

function tar(files: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of files) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'latin1');
    header.write('0000644\0', 100, 'latin1');
    header.write('0000000\0', 108, 'latin1');
    header.write('0000000\0', 116, 'latin1');
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    header.write(`${(1_700_000_000).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
    header.write('        ', 148, 'latin1');
    header.write('0', 156, 'latin1');
    header.write('ustar\0', 257, 'latin1');
    header.write('00', 263, 'latin1');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    parts.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
