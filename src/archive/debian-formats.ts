import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { xzAsync } from 'node-liblzma';
import {
  compareVersions,
  hashBuffer,
  hashStream,
  parseDsc,
  renderPackagesStanza,
  renderRelease,
  renderSourcesStanza,
  xzOneCallAsync,
} from '../debian/index.js';
import { readDebFile, toDebInfo } from './deb-files.js';
import type { ArchiveFormats, XzCompressor } from './ports.js';

/** The archive's view of src/debian: reading packages from files, rendering indices. */
export const debianFormats: ArchiveFormats = {
  hashFile: (file, signal) => hashStream(createReadStream(file), signal),
  readDeb: async (file, signal) => toDebInfo(await readDebFile(file, signal ? { signal } : {})),
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

/**
 * xz via liblzma for index segments (tens of kilobytes each): preset 0, whose 256 KiB
 * dictionary already spans a whole segment. The usual preset 6 sets up an 8 MiB dictionary
 * (~30 ms per segment) and preset 1 a 1 MiB one (2–3× slower than preset 0 on a 70 KB
 * segment), for output within 1 % of preset 0's.
 */
export const debianXz: XzCompressor = {
  xz: (data) => {
    const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return xzOneCallAsync(buffer, 0) ?? xzAsync(buffer, { preset: 0 });
  },
};
