import type { ExtraSourceRecord } from './extra-source-records.js';
import { inlineKey } from '../apt-sources.js';

/** What a build's apt gets of its extra sources. */
export interface ExtraSourceApt {
  /** deb822 stanzas, one per source. */
  sources: string;
  /** apt_preferences(5) entries, one per source. */
  preferences: string;
  /** apt_auth.conf(5) entries of the sources that need a login; '' if none. */
  auth: string;
}

/** A value apt's pinning takes without quoting. */
const PLAIN_ORIGIN = /^[A-Za-z0-9._+~-]+$/;

/**
 * The apt configuration of `sources` for a build: each stanza trusts exactly its own key
 * (Signed-By with the key inline) or, only for a source explicitly marked unsigned,
 * `Trusted: yes`; each is pinned to its priority (by the Origin of its Release file, or
 * by its host when that Origin cannot be written plainly).
 */
export function extraSourceApt(sources: readonly ExtraSourceRecord[]): ExtraSourceApt {
  const stanzas = sources.map((s) =>
    [
      'Types: deb',
      `URIs: ${s.url}`,
      `Suites: ${s.suites.join(' ')}`,
      `Components: ${s.components.join(' ')}`,
      s.armoredKey ? `Signed-By:\n${inlineKey(s.armoredKey)}` : 'Trusted: yes',
      '',
    ].join('\n'),
  );
  const preferences = sources.map((s) => {
    const pin =
      s.origin && PLAIN_ORIGIN.test(s.origin)
        ? `release o=${s.origin}`
        : `origin "${new URL(s.url).hostname}"`;
    return `Explanation: debyard extra source ${s.name}\nPackage: *\nPin: ${pin}\nPin-Priority: ${s.priority}\n`;
  });
  const auth = sources
    .filter((s) => s.auth)
    .map(
      (s) => `machine ${authMachine(s.url)} login ${s.auth!.login} password ${s.auth!.password}\n`,
    );
  return { sources: stanzas.join('\n'), preferences: preferences.join('\n'), auth: auth.join('') };
}

/**
 * apt_auth.conf(5)'s machine: host, port and path of the source. apt uses a login over
 * plain http only when the entry names the scheme; https needs none.
 */
function authMachine(url: string): string {
  const parsed = new URL(url);
  const scheme = parsed.protocol === 'http:' ? 'http://' : '';
  return `${scheme}${parsed.host}${parsed.pathname.replace(/\/$/, '')}`;
}
