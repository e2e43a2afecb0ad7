import { InvalidInputError } from '../shared/errors.js';

/** The parts of an OpenPGP clear-signed message (RFC 4880 §7), for the verifier. */
export interface ClearSigned {
  /** The whole armored text as received, to hand to the OpenPGP verifier unchanged. */
  armored: string;
  /** The signed text, dash-escaping removed, ending with a newline. */
  body: string;
  /** 1-based line of the body's first line in `armored`. */
  bodyFirstLine: number;
  /** The `-----BEGIN PGP SIGNATURE-----` … `-----END PGP SIGNATURE-----` block. */
  signature: string;
  /** Hash algorithms named in the `Hash:` armor headers (may be empty). */
  hashes: string[];
}

const BEGIN_MESSAGE = '-----BEGIN PGP SIGNED MESSAGE-----';
const BEGIN_SIGNATURE = '-----BEGIN PGP SIGNATURE-----';
const END_SIGNATURE = '-----END PGP SIGNATURE-----';

/** True when the text starts (after blank lines) with a clear-signed message header. */
export function isClearSigned(text: string): boolean {
  return text.trimStart().startsWith(BEGIN_MESSAGE);
}

/** True when any line is a clear-signed message header (the text may still be malformed). */
export function hasClearSignedHeader(text: string): boolean {
  return text.split('\n').some((line) => line.replace(/[\r\t ]+$/, '') === BEGIN_MESSAGE);
}

/**
 * Splits a clear-signed message. Only checks the armor structure: the signature itself
 * is checked by the OpenPGP verifier. Text before or after the signed message is
 * refused, since it would look like part of the file without being signed.
 */
export function splitClearSigned(armored: string, source = 'signed file'): ClearSigned {
  const lines = armored.split('\n').map((line) => line.replace(/[\r\t ]+$/, ''));
  const fail = (line: number, message: string): never => {
    throw new InvalidInputError(`${source}: malformed OpenPGP clear-signed message`, {
      problems: [{ where: `${source}:${line}`, message }],
    });
  };
  let i = 0;
  while (i < lines.length && lines[i] === '') i++;
  if (lines[i] !== BEGIN_MESSAGE) {
    fail(
      i + 1,
      lines.includes(BEGIN_MESSAGE)
        ? `text before the "${BEGIN_MESSAGE}" line is not covered by the signature`
        : `expected "${BEGIN_MESSAGE}"`,
    );
  }
  const hashes: string[] = [];
  for (i++; i < lines.length && lines[i] !== ''; i++) {
    const header = /^Hash: (.+)$/.exec(lines[i]!);
    if (!header) fail(i + 1, `unexpected armor header "${lines[i]}"`);
    hashes.push(...header![1]!.split(',').map((name) => name.trim()));
  }
  const bodyFirstLine = i + 2;
  const body: string[] = [];
  for (i++; i < lines.length && lines[i] !== BEGIN_SIGNATURE; i++) {
    const line = lines[i]!;
    if (line.startsWith('-') && !line.startsWith('- ')) {
      fail(i + 1, 'line starting with "-" is not dash-escaped');
    }
    body.push(line.startsWith('- ') ? line.slice(2) : line);
  }
  if (i >= lines.length) fail(i, `no "${BEGIN_SIGNATURE}" line: the signature is missing`);
  const sigStart = i;
  while (i < lines.length && lines[i] !== END_SIGNATURE) i++;
  if (i >= lines.length) fail(i, `no "${END_SIGNATURE}" line: the signature is cut off`);
  const after = lines.slice(i + 1);
  const trailing = after.findIndex((line) => line !== '');
  if (trailing >= 0) {
    fail(
      i + 2 + trailing,
      after.includes(BEGIN_MESSAGE)
        ? `more than one "${BEGIN_MESSAGE}" block`
        : `text after the "${END_SIGNATURE}" line is not covered by the signature`,
    );
  }
  return {
    armored,
    body: body.join('\n') + '\n',
    bodyFirstLine,
    signature: lines.slice(sigStart, i + 1).join('\n') + '\n',
    hashes,
  };
}
