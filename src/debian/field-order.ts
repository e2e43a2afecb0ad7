/**
 * Field names and orders of the archive indices, as dpkg writes them
 * (Dpkg::Control::FieldsCore: CTRL_INDEX_PKG, CTRL_INDEX_SRC, CTRL_REPO_RELEASE).
 */

const SPECIAL_NAMES = new Map(
  [
    'MD5sum',
    'SHA1',
    'SHA256',
    'SHA512',
    'NotAutomatic',
    'ButAutomaticUpgrades',
    'No-Support-for-Architecture-all',
  ].map((name) => [name.toLowerCase(), name]),
);

/** Spellings already worked out (index stanzas repeat the same few dozen names). */
const spelled = new Map<string, string>();

/** dpkg's spelling of a field name: known odd spellings, else each word capitalised. */
export function canonicalFieldName(name: string): string {
  const known = spelled.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  const canonical =
    SPECIAL_NAMES.get(lower) ??
    lower
      .split('-')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('-');
  if (spelled.size < 1000) spelled.set(name, canonical);
  return canonical;
}

const BIN_DEPENDS = [
  'Pre-Depends',
  'Depends',
  'Recommends',
  'Suggests',
  'Enhances',
  'Conflicts',
  'Breaks',
  'Replaces',
  'Provides',
  'Built-Using',
  'Static-Built-Using',
];
const SRC_VCS = ['Browser', 'Arch', 'Bzr', 'Cvs', 'Darcs', 'Git', 'Hg', 'Mtn', 'Svn'].map((v) => `Vcs-${v}`);
const SRC_TESTS = ['Testsuite', 'Testsuite-Triggers'];
const SRC_DEPENDS = [
  'Build-Depends',
  'Build-Depends-Arch',
  'Build-Depends-Indep',
  'Build-Conflicts',
  'Build-Conflicts-Arch',
  'Build-Conflicts-Indep',
];

/** Packages stanza order of dpkg-scanpackages. */
export const PACKAGES_FIELD_ORDER: readonly string[] = [
  'Package',
  'Package-Type',
  'Source',
  'Version',
  'Kernel-Version',
  'Built-For-Profiles',
  'Auto-Built-Package',
  'Architecture',
  'Subarchitecture',
  'Installer-Menu-Item',
  'Build-Essential',
  'Essential',
  'Protected',
  'Origin',
  'Bugs',
  'Maintainer',
  'Installed-Size',
  ...BIN_DEPENDS,
  'Filename',
  'Size',
  'MD5sum',
  'SHA1',
  'SHA256',
  'SHA512', // not written by dpkg-scanpackages; apt-ftparchive puts it here
  'Section',
  'Priority',
  'Multi-Arch',
  'Homepage',
  'Description',
  'Tag',
  'Task',
];

/** Sources stanza order of dpkg-scansources. */
export const SOURCES_FIELD_ORDER: readonly string[] = [
  'Format',
  'Package',
  'Binary',
  'Architecture',
  'Version',
  'Priority',
  'Section',
  'Origin',
  'Maintainer',
  'Uploaders',
  'Homepage',
  'Description',
  'Standards-Version',
  ...SRC_VCS,
  ...SRC_TESTS,
  ...SRC_DEPENDS,
  'Package-List',
  'Directory',
  'Checksums-Md5',
  'Checksums-Sha1',
  'Checksums-Sha256',
  'Files',
];

/** Lower-cased field name → position, per order list (built once: orders are constants). */
const ranks = new WeakMap<readonly string[], Map<string, number>>();

function rankOf(order: readonly string[]): Map<string, number> {
  let rank = ranks.get(order);
  if (!rank) ranks.set(order, (rank = new Map(order.map((name, i) => [name.toLowerCase(), i]))));
  return rank;
}

/**
 * Orders fields as Dpkg::Control::HashCore::output does: known fields in `order`, then
 * the others sorted by name (byte order). Names are respelled canonically.
 */
export function orderFields(
  fields: Iterable<readonly [string, string]>,
  order: readonly string[],
): [string, string][] {
  const rank = rankOf(order);
  const ranked = [...fields].map(([name, value]) => {
    const canonical = canonicalFieldName(name);
    return { field: [canonical, value] as [string, string], rank: rank.get(canonical.toLowerCase()) };
  });
  ranked.sort((a, b) => {
    if (a.rank !== undefined && b.rank !== undefined) return a.rank - b.rank;
    if (a.rank !== undefined) return -1;
    if (b.rank !== undefined) return 1;
    const [x, y] = [a.field[0], b.field[0]];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return ranked.map((r) => r.field);
}
