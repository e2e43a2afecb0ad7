/**
 * The "codeversion" of a base distribution used in version suffixes (`~test12+1`):
 * the Debian major release number, `SID` for unstable. Codenames not listed here need
 * an explicit codeversion in the repository's distribution.
 */
const DEBIAN: Record<string, string> = {
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  duke: '15',
  sid: 'SID',
};

export function defaultCodeversion(codename: string): string | undefined {
  return DEBIAN[codename];
}

export const CODEVERSION_PATTERN = /^[A-Za-z0-9]{1,8}$/;
