import { foldedValue, parseDeb822 } from '../../debian/deb822.js';

/** One test of a debian/tests/control (README.package-tests). */
export interface TestEntry {
  /** Its name: from Tests, or commandN for the Nth Test-Command. */
  name: string;
  restrictions: string[];
}

/** The tests a debian/tests/control declares, with their restrictions. */
export function testEntries(control: string): TestEntry[] {
  const entries: TestEntry[] = [];
  let commands = 0;
  for (const stanza of parseDeb822(control, { source: 'debian/tests/control' })) {
    const restrictions = items(stanza.get('Restrictions'));
    if (stanza.has('Test-Command')) {
      entries.push({ name: `command${++commands}`, restrictions });
      continue;
    }
    for (const name of items(stanza.get('Tests'))) entries.push({ name, restrictions });
  }
  return entries;
}

/** Comma- and/or space-separated items, as autopkgtest reads Tests and Restrictions. */
function items(value: string | undefined): string[] {
  return foldedValue(value)
    .split(/[\s,]+/)
    .filter((item) => item !== '');
}

/**
 * Restrictions debyard's testbed (a snapshot in a user-namespace sandbox, autopkgtest's
 * `null` server) cannot give, and why. `null` would claim machine isolation, being the
 * host itself; here the snapshot is neither a container of its own nor a machine, it
 * cannot be reverted or rebooted, and its network reaches the mirrors only.
 */
export const UNAVAILABLE_RESTRICTIONS: Record<string, string> = {
  'isolation-container': 'needs isolation-container, which the sandbox does not give',
  'isolation-machine': 'needs isolation-machine, which the sandbox does not give',
  'breaks-testbed': 'breaks-testbed: the testbed cannot be reverted',
  'needs-reboot': 'needs-reboot: the testbed cannot reboot',
  'needs-internet': 'needs-internet: the sandbox reaches only its apt mirrors',
};

/** The tests debyard skips itself, each with the reason. */
export function unavailableTests(
  entries: readonly TestEntry[],
): { name: string; reason: string }[] {
  const skipped: { name: string; reason: string }[] = [];
  for (const entry of entries) {
    const blocking = entry.restrictions.find((r) => r in UNAVAILABLE_RESTRICTIONS);
    if (blocking) skipped.push({ name: entry.name, reason: UNAVAILABLE_RESTRICTIONS[blocking]! });
  }
  return skipped;
}
