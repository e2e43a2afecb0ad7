import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  compareVersions,
  compressBuffer,
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
    const info = await readDeb(createReadStream(file), {
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

/** xz -6 via liblzma, one stream per call. */
export const debianXz: XzCompressor = {
  xz: (data, signal) => compressBuffer(data, 'xz', signal),
};
