import type { Problem } from '../../shared/errors.js';
import type { LayoutRecord, SuiteRecord } from '../config-records.js';

/** One suite of a layout: the suite as stored (config-records.ts). */
export type SuiteSpec = SuiteRecord;

/** A layout: its name and suites. */
export type Layout = Omit<LayoutRecord, 'builtin'>;

/** A suite named `name`: what `options` gives, or else no flags, no migration, no rollbacks. */
export const newSuite = (name: string, options: Partial<SuiteSpec> = {}): SuiteSpec => ({
  name,
  uploadable: false,
  experimental: false,
  migratesTo: null,
  rollbacks: 0,
  notAutomatic: false,
  butAutomaticUpgrades: false,
  ...options,
});

/** mini-buildd's default layout. */
export const DEFAULT_LAYOUT: Layout = {
  name: 'default',
  suites: [
    newSuite('experimental', {
      uploadable: true,
      experimental: true,
      rollbacks: 6,
      notAutomatic: true,
    }),
    newSuite('unstable', { uploadable: true, migratesTo: 'testing', rollbacks: 9 }),
    newSuite('testing', { migratesTo: 'stable', rollbacks: 3 }),
    newSuite('hotfix', { uploadable: true, migratesTo: 'stable', rollbacks: 4 }),
    newSuite('stable', { rollbacks: 6 }),
  ],
};

export const LAYOUT_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
export const SUITE_NAME_PATTERN = /^[a-z]{2,32}$/;
export const MAX_ROLLBACKS = 50;

/** Every problem with a layout: names, references and migration cycles. */
export function layoutProblems(layout: Layout): Problem[] {
  const problems: Problem[] = [];
  if (!LAYOUT_NAME_PATTERN.test(layout.name)) {
    problems.push({
      where: 'name',
      message: `"${layout.name}" must be lower-case letters, digits and dashes`,
    });
  }
  if (layout.suites.length === 0)
    problems.push({ where: 'suites', message: 'a layout needs at least one suite' });
  const names = new Set<string>();
  layout.suites.forEach((s, i) => {
    const where = `suites[${i}] (${s.name})`;
    if (!SUITE_NAME_PATTERN.test(s.name))
      problems.push({ where, message: 'a suite name is 2-32 lower-case letters' });
    if (names.has(s.name)) problems.push({ where, message: 'this suite name is used twice' });
    names.add(s.name);
    if (!Number.isInteger(s.rollbacks) || s.rollbacks < 0 || s.rollbacks > MAX_ROLLBACKS) {
      problems.push({ where, message: `rollbacks must be an integer from 0 to ${MAX_ROLLBACKS}` });
    }
    if (s.butAutomaticUpgrades && !s.notAutomatic) {
      problems.push({ where, message: 'ButAutomaticUpgrades needs NotAutomatic' });
    }
  });
  for (const s of layout.suites) {
    if (s.migratesTo === null) continue;
    if (!names.has(s.migratesTo)) {
      problems.push({
        where: `suite ${s.name}`,
        message: `migrates to unknown suite "${s.migratesTo}"`,
      });
    } else if (migrationChain(layout, s.name).length === 0) {
      problems.push({ where: `suite ${s.name}`, message: 'its migrations go round in a circle' });
    }
  }
  if (!layout.suites.some((s) => s.uploadable)) {
    problems.push({
      where: 'suites',
      message: 'no suite is uploadable, so nothing could ever enter the repository',
    });
  }
  return problems;
}

export function findSuite(layout: Layout, name: string): SuiteSpec | undefined {
  return layout.suites.find((s) => s.name === name);
}

/**
 * The suites a package passes through when migrated from `from` to the end of its chain
 * (excluding `from`); empty if the chain has a cycle.
 */
export function migrationChain(layout: Layout, from: string): string[] {
  const chain: string[] = [];
  let current = findSuite(layout, from);
  while (current?.migratesTo) {
    if (chain.includes(current.migratesTo) || current.migratesTo === from) return [];
    chain.push(current.migratesTo);
    current = findSuite(layout, current.migratesTo);
  }
  return chain;
}
