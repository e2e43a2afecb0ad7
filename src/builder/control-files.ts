import { parseChanges, parseDsc, parseVersion } from '../debian/index.js';

/** What the builder reads from a .dsc (checked by src/debian). */
export interface DscSummary {
  source: string;
  version: string;
  /** The upstream part of the version: names the unpacked source folder. */
  upstreamVersion: string;
  architectures: string[];
  /** The source files it lists (not the .dsc itself). */
  files: { name: string }[];
}

/** A file a .changes lists, with what the result check compares. */
export interface ChangesEntry {
  name: string;
  size: number;
  sha256: string;
}

/** Reads a .dsc; InvalidInputError lists every problem. */
export function readDsc(text: string, fileName: string): DscSummary {
  const dsc = parseDsc(text, fileName);
  return {
    source: dsc.source,
    version: dsc.version,
    upstreamVersion: parseVersion(dsc.version).upstream,
    architectures: dsc.architectures,
    files: dsc.files.map((file) => ({ name: file.name })),
  };
}

/** The files a .changes lists; InvalidInputError lists every problem of the .changes. */
export function readChangesFiles(text: string, fileName: string): ChangesEntry[] {
  return parseChanges(text, fileName).files.map((file) => ({
    name: file.name,
    size: file.size,
    // parseChanges requires Checksums-Sha256 and checks it lists every file.
    sha256: file.sha256!,
  }));
}
