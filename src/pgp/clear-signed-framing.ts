import { malformed, notSigned } from './signature-errors.js';

const BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----';
const SIGNATURE = '-----BEGIN PGP SIGNATURE-----';
const END = '-----END PGP SIGNATURE-----';

/** Whether the text looks clear-signed at all (it may still be malformed). */
export function isClearSigned(text: string): boolean {
  return lines(text).some((line) => line === BEGIN);
}

/**
 * Refuses anything but exactly one signed message with nothing around it: text outside
 * the signed part is not covered by the signature, yet a naive reader would see it.
 */
export function checkFraming(text: string): void {
  const all = lines(text);
  const begins = indexesOf(all, BEGIN);
  const first = begins[0];
  if (first === undefined) throw notSigned();
  if (begins.length > 1) throw malformed(`more than one "${BEGIN}" block`);
  if (all.slice(0, first).some(isContent)) {
    throw malformed(`text before the "${BEGIN}" line is not covered by the signature`);
  }
  if (indexesOf(all, SIGNATURE).length === 0) {
    throw malformed(`no "${SIGNATURE}" line: the signature is missing`);
  }
  const ends = indexesOf(all, END);
  const last = ends[ends.length - 1];
  if (last === undefined) throw malformed(`no "${END}" line: the signature is cut off`);
  if (all.slice(last + 1).some(isContent)) {
    throw malformed(`text after the "${END}" line is not covered by the signature`);
  }
}

function lines(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trimEnd());
}

function indexesOf(all: string[], wanted: string): number[] {
  return all.flatMap((line, index) => (line === wanted ? [index] : []));
}

function isContent(line: string): boolean {
  return line.trim() !== '';
}
