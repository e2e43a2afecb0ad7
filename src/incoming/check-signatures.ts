import type { RepositorySpec } from '../archive/model/repository.js';
import type { Keyring } from '../pgp/keyring.js';
import { signatureFailureOf } from '../pgp/signature-errors.js';
import type { Verifier } from '../pgp/verifier.js';
import { isAppError, type Problem } from '../shared/errors.js';
import type { UploaderKeys } from './uploader-keys.js';

export interface SignatureCheckDeps {
  verifier: Verifier;
  keys: UploaderKeys;
}

export interface SignedFile {
  name: string;
  text: string;
  signed: boolean;
}

/**
 * The .changes must be signed by a key allowed to upload to the repository (unsigned
 * only where the repository allows it), and the .dsc by the same key. Returns the
 * signer's primary fingerprint (null: accepted unsigned).
 */
export async function checkSignatures(
  deps: SignatureCheckDeps,
  input: { changes: SignedFile; dsc?: SignedFile; repository?: RepositorySpec },
): Promise<{ signer: string | null; problems: Problem[] }> {
  const { changes, dsc, repository } = input;
  const open = repository?.allowUnsigned ?? false;
  if (!changes.signed) {
    if (repository && !open) {
      return {
        signer: null,
        problems: [
          {
            where: changes.name,
            message: `not signed, and repository ${repository.id} takes signed uploads only: sign it with debsign`,
          },
        ],
      };
    }
    return { signer: null, problems: [] };
  }
  const keyring = await deps.keys.keyring();
  const verified = await verify(deps.verifier, changes, keyring);
  if ('problem' in verified) {
    // Where anyone may upload, a key nobody registered is as good as no signature.
    if (open && verified.failure === 'unknown_key') return { signer: null, problems: [] };
    return { signer: null, problems: [verified.problem] };
  }
  const problems: Problem[] = [];
  const allowed = deps.keys.repositoriesOf(verified.fingerprint);
  if (repository && !open && !allowed.includes(repository.id)) {
    problems.push({
      where: changes.name,
      message: `signed by key ${describe(verified)}, which may not upload to repository ${repository.id} (it may upload to ${allowed.join(', ') || 'no repository'})`,
    });
  }
  if (dsc) problems.push(...(await checkDscSigner(deps.verifier, dsc, verified, keyring)));
  return { signer: verified.fingerprint, problems };
}

async function checkDscSigner(
  verifier: Verifier,
  dsc: SignedFile,
  changesSigner: { fingerprint: string; userId: string | null },
  keyring: Keyring,
): Promise<Problem[]> {
  if (!dsc.signed) {
    return [
      {
        where: dsc.name,
        message: `not signed; sign it with the key that signed the .changes (${changesSigner.fingerprint}); debsign signs both`,
      },
    ];
  }
  const verified = await verify(verifier, dsc, keyring);
  if ('problem' in verified) return [verified.problem];
  if (verified.fingerprint !== changesSigner.fingerprint) {
    return [
      {
        where: dsc.name,
        message: `signed by key ${describe(verified)}, but the .changes by key ${describe(changesSigner)}; both must be signed by the same key`,
      },
    ];
  }
  return [];
}

async function verify(
  verifier: Verifier,
  file: SignedFile,
  keyring: Keyring,
): Promise<
  { fingerprint: string; userId: string | null } | { problem: Problem; failure: string | undefined }
> {
  try {
    const { fingerprint, userId } = await verifier.verifyClearSigned(file.text, keyring);
    return { fingerprint, userId };
  } catch (error) {
    if (!isAppError(error)) throw error;
    return {
      problem: { where: file.name, message: error.message },
      failure: signatureFailureOf(error),
    };
  }
}

function describe(key: { fingerprint: string; userId: string | null }): string {
  return key.userId ? `${key.fingerprint} (${key.userId})` : key.fingerprint;
}
