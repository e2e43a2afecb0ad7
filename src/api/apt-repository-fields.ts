import { z } from 'zod';

// The input fields of the calls that name an apt repository outside (extra sources,
// mirrors): its URL, suites and components, and the key its Release is signed with.

/** Names: repeated (`?x=a&x=b`) or separated by commas or spaces. */
export function names(pattern: RegExp, message: string, what: string) {
  return z.preprocess(
    (value) =>
      (Array.isArray(value) ? value : [value])
        .flatMap((item) => (typeof item === 'string' ? item.split(/[,\s]+/) : [item]))
        .filter((item) => item !== ''),
    z.array(z.string().regex(pattern, message)).min(1, `name at least one ${what}`),
  );
}

/** The base URL of a repository (http or https, no login in it); `example` for the message. */
export const repositoryUrl = (example: string) =>
  z
    .string()
    .url(`must be a URL such as ${example}`)
    .regex(/^https?:\/\/[^@/]+(\/|$)/, 'must be an http:// or https:// URL without a login')
    .describe('Base URL of the repository (where dists/ is)');

export const suiteNames = () =>
  names(/^[A-Za-z0-9._/-]+$/, 'a suite is like bookworm or stable', 'suite').describe(
    'Suites (or codenames), comma-separated',
  );

/** An armored key; nothing (an empty standard input) is no key. */
export const repositoryKey = () =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.string().max(1_000_000, 'at most 1 MB of key data').optional(),
  );

export const KEY_FROM_STDIN =
  'The armored public key its Release is signed with [default: standard input]';
