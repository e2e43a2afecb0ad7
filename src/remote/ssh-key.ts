import ssh2 from 'ssh2';
import { InvalidInputError } from '../shared/errors.js';
import { fingerprintOf } from './host-key.js';

/** A client private key, checked. */
export interface ClientKey {
  /** The private key text as given (OpenSSH or PEM format). */
  text: string;
  /** The authorized_keys line of its public half (without options or comment). */
  publicLine: string;
  fingerprint: string;
}

/**
 * Reads an unencrypted SSH private key; InvalidInputError says what is wrong with it
 * (`where` names it: a file, a form field).
 */
export function readClientKey(text: string, where: string): ClientKey {
  const parsed = ssh2.utils.parseKey(text);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw new InvalidInputError(
      encrypted
        ? `${where} is encrypted with a passphrase; give an unencrypted key (ssh-keygen -p -N '' -f KEY removes it from a copy)`
        : `${where} is not an SSH private key (${parsed.message}); give an OpenSSH or PEM private key such as ~/.ssh/id_ed25519`,
    );
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) {
    throw new InvalidInputError(
      `${where} is a public key; give the private key (the file without .pub)`,
    );
  }
  const blob = key.getPublicSSH();
  return {
    text,
    publicLine: `${key.type} ${blob.toString('base64')}`,
    fingerprint: fingerprintOf(blob),
  };
}
