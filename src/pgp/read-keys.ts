import * as openpgp from 'openpgp';
import { InvalidInputError } from '../shared/errors.js';

/** A key block as users hand it over: ASCII-armored text, or binary (`gpg --export`). */
export type KeyData = string | Uint8Array;

const ARMORED_BLOCK =
  /-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----[\s\S]*?-----END PGP \1 KEY BLOCK-----/g;

/**
 * Reads every public key in `data`: one armored block or several concatenated, or binary
 * packets; each block may hold several keys. Secret keys are refused, so that nobody's
 * secret key ends up stored by mistake.
 */
export async function readPublicKeys(data: KeyData): Promise<openpgp.Key[]> {
  const text = typeof data === 'string' ? data : armoredText(data);
  const keys =
    text === null
      ? await parse(() => openpgp.readKeys({ binaryKeys: data as Uint8Array }))
      : await readArmored(text);
  if (keys.length === 0) throw new InvalidInputError('no OpenPGP key found in the key data');
  if (keys.some((key) => key.isPrivate())) {
    throw new InvalidInputError(
      'this is a secret key block; give the public key only (gpg --export --armor KEYID)',
    );
  }
  return keys;
}

async function readArmored(text: string): Promise<openpgp.Key[]> {
  const blocks = text.match(ARMORED_BLOCK);
  if (!blocks) {
    throw new InvalidInputError(
      'not an OpenPGP public key: expected a "-----BEGIN PGP PUBLIC KEY BLOCK-----" … "-----END PGP PUBLIC KEY BLOCK-----" block or binary key data',
    );
  }
  const perBlock = await Promise.all(
    blocks.map((block) => parse(() => openpgp.readKeys({ armoredKeys: block }))),
  );
  return perBlock.flat();
}

async function parse(read: () => Promise<openpgp.Key[]>): Promise<openpgp.Key[]> {
  try {
    return await read();
  } catch (error) {
    throw new InvalidInputError(`unreadable OpenPGP key data: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/** Bytes holding ASCII armor are read as text; binary OpenPGP never starts with "-". */
function armoredText(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 4096)).toString('latin1');
  return head.includes('-----BEGIN PGP') ? Buffer.from(bytes).toString('utf8') : null;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
