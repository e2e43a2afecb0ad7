import type { Problem } from '../shared/errors.js';
import { type ClearSigned, isClearSigned, splitClearSigned } from './clearsign.js';
import { scanDeb822, type Stanza } from './deb822.js';
import { InvalidInputError } from '../shared/errors.js';

/** A single-stanza control file (.dsc, .changes, .buildinfo), maybe clear-signed. */
export interface ControlFile {
  stanza: Stanza;
  /** Present when the file was clear-signed; the signature is not verified here. */
  signed?: ClearSigned;
}

/**
 * Reads a single-stanza control file, unwrapping an OpenPGP clear signature if present.
 * Returns the stanza (undefined when unreadable) and every syntax problem, with line
 * numbers of the original file.
 */
export function scanControlFile(
  text: string,
  source: string,
): { file?: ControlFile; problems: Problem[] } {
  let signed: ClearSigned | undefined;
  if (isClearSigned(text)) {
    try {
      signed = splitClearSigned(text, source);
    } catch (error) {
      if (error instanceof InvalidInputError) return { problems: error.problems };
      throw error;
    }
  } else if (text.includes('-----BEGIN PGP')) {
    const line = text.split('\n').findIndex((l) => l.startsWith('-----BEGIN PGP')) + 1;
    return {
      problems: [{ where: `${source}:${line}`, message: 'OpenPGP armor in an unsigned file' }],
    };
  }
  const body = signed ? signed.body : text;
  const firstLine = signed ? signed.bodyFirstLine : 1;
  const { stanzas, problems } = scanDeb822(body, { source, firstLine });
  if (stanzas.length === 0 && problems.length === 0) {
    problems.push({ where: source, message: 'the file holds no fields' });
  }
  if (stanzas.length > 1) {
    const line = stanzas[1]!.fields[0]?.line;
    problems.push({ where: `${source}:${line}`, message: 'unexpected second paragraph' });
  }
  if (stanzas.length === 0) return { problems };
  return { file: signed ? { stanza: stanzas[0]!, signed } : { stanza: stanzas[0]! }, problems };
}

/** Like scanControlFile, but throws InvalidInputError with every problem. */
export function parseControlFile(text: string, source: string): ControlFile {
  const { file, problems } = scanControlFile(text, source);
  if (problems.length > 0 || !file) {
    throw new InvalidInputError(`${source} is not a readable control file`, { problems });
  }
  return file;
}
