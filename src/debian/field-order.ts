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

/** dpkg's spelling of a field name: known odd spellings, else each word capitalised. */
export function canonicalFieldName(name: string): string {
  const lower = name.toLowerCase();
  return (
    SPECIAL_NAMES.get(lower) ??
    lower
      .split('-')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('-')
  );
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

/**
 * Orders fields as Dpkg::Control::HashCore::output does: known fields in `order`, then
 * the others sorted by name (byte order). Names are respelled canonically.
 */
export function orderFields(
  fields: Iterable<readonly [string, string]>,
  order: readonly string[],
): [string, string][] {
  const rank = new Map(order.map((name, i) => [name.toLowerCase(), i]));
  const named = [...fields].map(([name, value]): [string, string] => [canonicalFieldName(name), value]);
  return named.sort(([a], [b]) => {
    const ra = rank.get(a.toLowerCase());
    const rb = rank.get(b.toLowerCase());
    if (ra !== undefined && rb !== undefined) return ra - rb;
    if (ra !== undefined) return -1;
    if (rb !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}
