import { z } from 'zod';
import type { LayoutRecord } from '../../archive/config-records.js';
import { newSuite, type SuiteSpec } from '../../archive/model/layout.js';
import { defineCall } from '../call.js';

/** A suite of a layout, as the API shows it: the archive's own suite. */
export type SuiteView = SuiteSpec;

/** A layout as the API shows it: as stored, with the repositories that use it. */
export type LayoutView = LayoutRecord & {
  /** The repositories that use it. */
  repositories: string[];
};

const OPTIONS =
  'uploadable, experimental, migrates-to=SUITE, rollbacks=N, not-automatic, but-automatic-upgrades';

/**
 * A suite written as one word list, as the CLI and the web form take it:
 * `unstable:uploadable,migrates-to=testing,rollbacks=9`. Returns a message when it is bad.
 */
export function parseSuiteText(text: string): SuiteView | string {
  const [name = '', options = ''] = text.trim().split(/:(.*)/s);
  const suite = newSuite(name.trim());
  for (const option of options
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)) {
    const [key, value] = option.split('=', 2).map((p) => p.trim()) as [string, string?];
    const flag = FLAGS[key];
    if (flag && value === undefined) suite[flag] = true;
    else if (key === 'migrates-to' && value) suite.migratesTo = value;
    else if (key === 'rollbacks' && value !== undefined && /^\d{1,3}$/.test(value))
      suite.rollbacks = Number(value);
    else return `"${option}" is not a suite option (they are: ${OPTIONS})`;
  }
  return suite;
}

/** The text form of a suite, as parseSuiteText reads it. */
export function suiteText(s: SuiteView): string {
  const options = [
    s.uploadable && 'uploadable',
    s.experimental && 'experimental',
    s.migratesTo && `migrates-to=${s.migratesTo}`,
    s.rollbacks > 0 && `rollbacks=${s.rollbacks}`,
    s.notAutomatic && 'not-automatic',
    s.butAutomaticUpgrades && 'but-automatic-upgrades',
  ].filter(Boolean);
  return options.length ? `${s.name}:${options.join(',')}` : s.name;
}

const FLAGS: Record<
  string,
  'uploadable' | 'experimental' | 'notAutomatic' | 'butAutomaticUpgrades'
> = {
  uploadable: 'uploadable',
  experimental: 'experimental',
  'not-automatic': 'notAutomatic',
  'but-automatic-upgrades': 'butAutomaticUpgrades',
};

const suiteObject = z
  .object({
    name: z.string(),
    uploadable: z.boolean().default(false),
    experimental: z.boolean().default(false),
    migrates_to: z.string().nullable().default(null),
    rollbacks: z.number().int().min(0).max(50).default(0),
    not_automatic: z.boolean().default(false),
    but_automatic_upgrades: z.boolean().default(false),
  })
  .strict();

/** A suite as call input: the snake_case object (strings are turned into it). */
export type SuiteInput = z.output<typeof suiteObject>;

/**
 * A suite given as its text form or as an object with snake_case fields; either becomes
 * the object (which reads back as itself, so the CLI can send what it validated).
 */
const suiteInput = z.unknown().transform((value, ctx): SuiteInput => {
  if (typeof value === 'string') {
    const suite = parseSuiteText(value);
    if (typeof suite !== 'string') return toSuiteInput(suite);
    ctx.addIssue({ code: 'custom', message: suite });
    return z.NEVER;
  }
  const parsed = suiteObject.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue(issue);
  return z.NEVER;
});

export function toSuiteInput(s: SuiteView): SuiteInput {
  return {
    name: s.name,
    uploadable: s.uploadable,
    experimental: s.experimental,
    migrates_to: s.migratesTo,
    rollbacks: s.rollbacks,
    not_automatic: s.notAutomatic,
    but_automatic_upgrades: s.butAutomaticUpgrades,
  };
}

export function fromSuiteInput(o: SuiteInput): SuiteView {
  return {
    name: o.name,
    uploadable: o.uploadable,
    experimental: o.experimental,
    migratesTo: o.migrates_to,
    rollbacks: o.rollbacks,
    notAutomatic: o.not_automatic,
    butAutomaticUpgrades: o.but_automatic_upgrades,
  };
}

const layoutName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and dashes, like team')
  .describe('Layout name');

const layoutInput = z
  .object({
    name: layoutName,
    suites: z
      .preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(suiteInput))
      .describe(`Suites in order, each as NAME[:OPTION,…] with options ${OPTIONS} (repeat)`),
  })
  .strict();

const formatLayout = (l: LayoutView) =>
  [
    `${l.name}${l.builtin ? ' (built in)' : ''}${l.repositories.length ? `, used by ${l.repositories.join(', ')}` : ''}`,
    ...l.suites.map((s) => `  ${suiteText(s)}`),
  ].join('\n');

export const layoutsCall = defineCall({
  name: 'layouts',
  method: 'GET',
  access: 'anonymous',
  summary: 'List the layouts and which repositories use each',
  description:
    'A layout is the suites a repository has, how packages migrate between them and how many rollbacks each keeps.',
  input: z.object({}).strict(),
  format: (layouts: LayoutView[]) => layouts.map(formatLayout).join('\n'),
});

export const layoutAddCall = defineCall({
  name: 'layout_add',
  method: 'POST',
  access: 'admin',
  summary: 'Add a layout: suites, how packages migrate, rollbacks',
  input: layoutInput,
  positional: ['name'],
  format: formatLayout,
  examples: [
    [
      'debyard layout-add simple --suites unstable:uploadable,migrates-to=stable,rollbacks=3 --suites stable:rollbacks=3',
      'two suites',
    ],
  ],
});

export const layoutUpdateCall = defineCall({
  name: 'layout_update',
  method: 'POST',
  access: 'admin',
  summary: "Replace a layout's suites",
  description: 'Refused when that drops suites holding packages.',
  input: layoutInput,
  positional: ['name'],
  format: formatLayout,
});

export const layoutRemoveCall = defineCall({
  name: 'layout_remove',
  method: 'POST',
  access: 'admin',
  summary: 'Remove a layout no repository uses',
  input: z.object({ name: layoutName }).strict(),
  positional: ['name'],
  format: (o: { removed: string }) => `removed layout ${o.removed}`,
});
