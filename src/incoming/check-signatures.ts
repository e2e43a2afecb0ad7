import type { RepositorySpec } from '../archive/model/repository.js';
import type { Keyring } from '../pgp/keyring.js';
import { signatureFailureOf } from '../pgp/signature-errors.js';
import type { Verifier } from '../pgp/verifier.js';
import { isAppError, type Problem } from '../shared/errors.js';
import { formatRequester, parseRequester, uploadRefusal } from './requester.js';
import type { UploaderKeys } from './uploader-keys.js';

export interface SignatureCheckDeps {
  verifier: Verifier;
  keys: Pick<UploaderKeys, 'keyring' | 'repositoriesOf' | 'binaryRepositoriesOf' | 'isInstanceKey'>;
}

/** The field of a .changes the daemon signs saying whom its own upload is for. */
export const REQUESTED_BY_FIELD = 'Debyard-Requested-By';

/** Who signed an upload, and whom it is for when the daemon made it. */
export interface SignatureCheck {
  /** The signer's primary fingerprint; null: accepted unsigned. */
  signer: string | null;
  /** The requester of an upload signed with the instance key (formatRequester). */
  requestedBy: string | null;
  problems: Problem[];
}

export interface SignedFile {
  name: string;
  text: string;
  signed: boolean;
}

/**
 * The .changes must be signed by a key allowed to upload to the repository (unsigned
 * only where the repository allows it), and the .dsc by the same key. The instance key
 * may sign for every repository, but its uploads are judged as the one they are made
 * for (the .changes' Debyard-Requested-By), so a port cannot take an anonymous upload
 * where anonymous uploads may not go.
 */
export async function checkSignatures(
  deps: SignatureCheckDeps,
  input: {
    changes: SignedFile;
    dsc?: SignedFile;
    repository?: RepositorySpec;
    /** The .changes' Debyard-Requested-By field, if it has one. */
    requestedBy?: string;
    /** The upload holds binary packages: only a key with the binary right may sign it. */
    binary?: boolean;
  },
): Promise<SignatureCheck> {
  const { changes, dsc, repository } = input;
  // Binary packages are never taken unsigned, not even where sources may be.
  const open = (repository?.allowUnsigned ?? false) && !input.binary;
  const none = { signer: null, requestedBy: null };
  if (!changes.signed && input.binary) {
    return {
      ...none,
      problems: [
        {
          where: changes.name,
          message: `not signed: an upload of binary packages must be signed (debsign) by a key allowed to upload binary packages to repository ${repository?.id ?? '(unknown)'}`,
        },
      ],
    };
  }
  if (!changes.signed) {
    if (repository && !open) {
      return {
        ...none,
        problems: [
          {
            where: changes.name,
            message: `not signed, and repository ${repository.id} takes signed uploads only: sign it with debsign`,
          },
        ],
      };
    }
    return { ...none, problems: [] };
  }
  const keyring = await deps.keys.keyring();
  const verified = await verify(deps.verifier, changes, keyring);
  if ('problem' in verified) {
    // Where anyone may upload, a key nobody registered is as good as no signature.
    if (open && verified.failure === 'unknown_key') return { ...none, problems: [] };
    return { ...none, problems: [verified.problem] };
  }
  const own = deps.keys.isInstanceKey(verified.fingerprint);
  const checked = own
    ? requesterProblems(deps, { ...input, where: changes.name })
    : { requestedBy: null, problems: keyProblems(deps, verified, changes.name, repository) };
  const problems = checked.problems;
  if (input.binary && repository) {
    problems.push(...binaryRightProblems(deps, verified, changes.name, repository));
  }
  if (dsc) problems.push(...(await checkDscSigner(deps.verifier, dsc, verified, keyring)));
  return { signer: verified.fingerprint, requestedBy: checked.requestedBy, problems };
}

function keyProblems(
  deps: SignatureCheckDeps,
  key: { fingerprint: string; userId: string | null },
  where: string,
  repository: RepositorySpec | undefined,
): Problem[] {
  if (!repository || repository.allowUnsigned) return [];
  const allowed = deps.keys.repositoriesOf(key.fingerprint);
  if (allowed.includes(repository.id)) return [];
  return [
    {
      where,
      message: `signed by key ${describe(key)}, which may not upload to repository ${repository.id} (it may upload to ${allowed.join(', ') || 'no repository'})`,
    },
  ];
}

/** Binary packages only from a key given the binary right for the repository (key-permit --binary). */
function binaryRightProblems(
  deps: SignatureCheckDeps,
  key: { fingerprint: string; userId: string | null },
  where: string,
  repository: RepositorySpec,
): Problem[] {
  const allowed = deps.keys.binaryRepositoriesOf(key.fingerprint);
  if (allowed.includes(repository.id)) return [];
  return [
    {
      where,
      message: `holds binary packages, but key ${describe(key)} may not upload binary packages to repository ${repository.id} (an admin allows it: debyard key-permit ${key.fingerprint} ${repository.id} --binary)`,
    },
  ];
}

/** An upload the daemon signed: the repository's rules for the one it is made for. */
function requesterProblems(
  deps: SignatureCheckDeps,
  input: { where: string; repository?: RepositorySpec; requestedBy?: string },
): { requestedBy: string | null; problems: Problem[] } {
  const requester = input.requestedBy === undefined ? undefined : parseRequester(input.requestedBy);
  if (!requester) {
    return {
      requestedBy: null,
      problems: [
        {
          where: input.where,
          message: `signed with the daemon's own key, but ${input.requestedBy === undefined ? `without a ${REQUESTED_BY_FIELD} field` : `${REQUESTED_BY_FIELD} "${input.requestedBy}" names nobody`}: the daemon's uploads say whom they are made for`,
        },
      ],
    };
  }
  const requestedBy = formatRequester(requester);
  const refusal = input.repository && uploadRefusal(deps.keys, requester, input.repository);
  return {
    requestedBy,
    problems: refusal
      ? [{ where: input.where, message: `made for ${requestedBy}: ${refusal}` }]
      : [],
  };
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
