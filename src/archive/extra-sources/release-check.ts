import * as openpgp from 'openpgp';
import { InvalidInputError, SignatureError, UnavailableError } from '../../shared/errors.js';

/** What the add of an extra source learns from the Release files of its suites. */
export interface ReleaseFacts {
  /** The Origin field of the first suite's Release file, if any. */
  origin: string | null;
}

export interface ReleaseCheckInput {
  url: string;
  suites: readonly string[];
  components: readonly string[];
  /** The source's keys; none: the source is marked unsigned (Release is read unchecked). */
  keys: readonly openpgp.Key[];
  authorization?: string;
  fetch: typeof fetch;
  signal?: AbortSignal;
}

/**
 * Checks a source as apt will: each suite's InRelease must carry a valid signature by one
 * of the given keys (not expired, not revoked), and list the components asked for.
 */
export async function checkRelease(input: ReleaseCheckInput): Promise<ReleaseFacts> {
  let origin: string | null = null;
  for (const suite of input.suites) {
    const file = input.keys.length > 0 ? 'InRelease' : 'Release';
    const at = new URL(`dists/${suite}/${file}`, input.url).toString();
    const text = await download(at, input);
    const release = input.keys.length > 0 ? await verified(text, at, input.keys) : text;
    const field = (name: string) =>
      new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(release)?.[1]?.trim();
    if (suite === input.suites[0]) origin = field('Origin') ?? null;
    const listed = (field('Components') ?? '').split(/\s+/).filter(Boolean);
    const missing = input.components.filter((c) => !listed.includes(c));
    if (missing.length > 0) {
      throw new InvalidInputError(
        `suite ${suite} of ${input.url} has no component ${missing.join(', ')} (its Release lists: ${listed.join(', ') || 'none'})`,
      );
    }
  }
  return { origin };
}

async function download(at: string, input: ReleaseCheckInput): Promise<string> {
  let response: Response;
  try {
    response = await input.fetch(at, {
      headers: input.authorization ? { authorization: input.authorization } : {},
      signal: input.signal ?? AbortSignal.timeout(30_000),
      redirect: 'follow',
    });
  } catch (error) {
    throw new UnavailableError(`cannot fetch ${at}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new UnavailableError(
      `cannot fetch ${at}: HTTP ${response.status} ${response.statusText}`.trimEnd(),
    );
  }
  return response.text();
}

async function verified(text: string, at: string, keys: readonly openpgp.Key[]): Promise<string> {
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: text });
  } catch (error) {
    throw new SignatureError(`${at} is not a signed InRelease file`, { cause: error });
  }
  try {
    await openpgp.verify({
      message,
      verificationKeys: [...keys],
      expectSigned: true,
    });
  } catch (error) {
    throw new SignatureError(
      `${at} is not validly signed by the given key: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return message.getText();
}
