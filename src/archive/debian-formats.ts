import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { xzAsync } from 'node-liblzma';
import {
  compareVersions,
  contentsPaths,
  hashBuffer,
  hashStream,
  parseDsc,
  readDeb,
  renderPackagesStanza,
  renderRelease,
  renderSourcesStanza,
} from '../debian/index.js';
import type { ArchiveFormats, XzCompressor } from './ports.js';

/** The archive's view of src/debian: reading packages from files, rendering indices. */
export const debianFormats: ArchiveFormats = {
  hashFile: (file, signal) => hashStream(createReadStream(file), signal),
  async readDeb(file, signal) {
    // Small packages are read whole: much cheaper than a stream per file.
    const small = (await stat(file)).size <= SMALL_FILE;
    const info = await readDeb(small ? await readFile(file) : createReadStream(file), {
      files: true,
      hashes: true,
      name: path.basename(file),
      ...(signal ? { signal } : {}),
    });
    return { control: info.control, files: contentsPaths(info.files ?? []), digests: info.hashes! };
  },
  async readDsc(file) {
    const bytes = await readFile(file);
    const dsc = parseDsc(bytes.toString('utf8'), path.basename(file));
    return { fields: dsc.stanza, files: dsc.files, digests: hashBuffer(bytes) };
  },
  packagesStanza: (control, filename, digests) =>
    renderPackagesStanza(control, { filename, hashes: digests }, { sha512: true }),
  sourcesStanza: (dsc, directory, dscFile) =>
    renderSourcesStanza(dsc, { directory, dsc: { name: dscFile.name, hashes: dscFile.digests } }),
  compareVersions: (a, b) => compareVersions(a, b),
  releaseFile: (release) => renderRelease(release),
};

const SMALL_FILE = 8 << 20;

/**
 * xz via liblzma for index segments (tens of kilobytes each): preset 1, because the
 * 8 MiB dictionary of the usual preset 6 costs ~30 ms to set up per segment while making
 * a segment only ~15 % smaller.
 */
export const debianXz: XzCompressor = {
  xz: (data) => xzAsync(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { preset: 1 }),
};
