import { InvalidInputError } from '../shared/errors.js';

/**
 * What the builder reads from a .dsc and a .changes. A stop-gap until src/debian (the
 * formats branch) is on main: these two functions then delegate to its parseDsc and
 * parseChanges. Only the fields the builder needs are looked at.
 */
export interface DscSummary {
  source: string;
  version: string;
  architectures: string[];
  /** The source files it lists (not the .dsc itself). */
  files: ChangesEntry[];
}

export interface ChangesEntry {
  name: string;
  size: number;
  sha256: string;
}

export function readDsc(text: string, fileName: string): DscSummary {
  const body = unsigned(text);
  const source = field(body, 'Source');
  const version = field(body, 'Version');
  const architecture = field(body, 'Architecture');
  const missing = [
    ['Source', source],
    ['Version', version],
    ['Architecture', architecture],
  ].filter(([, value]) => !value);
  if (missing.length > 0) {
    throw new InvalidInputError(`${fileName} is not a valid source package description`, {
      problems: missing.map(([name]) => ({
        where: fileName,
        message: `missing required field ${name}`,
      })),
    });
  }
  return {
    source: source!,
    version: version!,
    architectures: architecture!.split(/\s+/),
    files: checksums(body, fileName, 'source package description'),
  };
}

export function readChangesFiles(text: string, fileName: string): ChangesEntry[] {
  return checksums(unsigned(text), fileName, 'upload');
}

function checksums(body: string, fileName: string, what: string): ChangesEntry[] {
  const lines = /^Checksums-Sha256:[^\n]*\n((?:[ \t][^\n]*\n?)*)/m.exec(body);
  if (!lines) {
    throw new InvalidInputError(`${fileName} is not a valid ${what}`, {
      problems: [{ where: fileName, message: 'missing required field Checksums-Sha256' }],
    });
  }
  return lines[1]!
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.length === 3)
    .map(([sha256, size, name]) => ({ name: name!, size: Number(size), sha256: sha256! }));
}

function unsigned(text: string): string {
  const signed =
    /-----BEGIN PGP SIGNED MESSAGE-----\n(?:[^\n]+\n)*\n([\s\S]*?)\n-----BEGIN PGP SIGNATURE-----/.exec(
      text,
    );
  return signed ? signed[1]! : text;
}

function field(text: string, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(\\S[^\\n]*)$`, 'm').exec(text)?.[1]?.trim();
}
