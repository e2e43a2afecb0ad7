import type { Problem } from '../shared/errors.js';
import {
  LINTIAN_MODES,
  TEST_MODES,
  type LintianMode,
  type TestCheck,
  type TestMode,
} from '../builder/build-request.js';
import { NO_OPTIONS, type PerArchitecture, type UploadOptions } from '../builder/upload-options.js';

export {
  forArchitecture,
  NO_OPTIONS,
  type PerArchitecture,
  type UploadOptions,
} from '../builder/upload-options.js';

/**
 * Upload options: lines of the top changelog entry of the form
 * `* DEBYARD_OPTION: key[arch]=value` (or mini-buildd's `MINI_BUILDD_OPTION:`).
 * They are read from the `.changes` Changes field, which dpkg-genchanges fills with the
 * top changelog entry (more with -v) and which the uploader's signature covers.
 */

const OPTION_LINE = /^\s*(?:\*\s*)?(DEBYARD_OPTION|MINI_BUILDD_OPTION)\s*:\s*(.*?)\s*$/;
const KEY_VALUE = /^([a-z][a-z-]*)(?:\[([^\]]*)\])?\s*=\s*(.*)$/;
const ARCH = /^[a-z0-9][a-z0-9-]{0,31}$/;
const DISTRIBUTION = /^[a-z][a-z0-9]*-[a-z0-9]+-[a-z]+$/;
const BOOLEANS: Record<string, boolean> = {
  true: true,
  yes: true,
  on: true,
  '1': true,
  false: false,
  no: false,
  off: false,
  '0': false,
};

type Setter = (options: UploadOptions, value: string, arch: string | null) => string | null;

/** A parsed value, or why the text is not one. */
type Parsed<T> = { value: T } | { error: string };

const perArch =
  <T>(pick: (o: UploadOptions) => PerArchitecture<T>, parse: (v: string) => Parsed<T>) =>
  (options: UploadOptions, value: string, arch: string | null): string | null => {
    const parsed = parse(value);
    if ('error' in parsed) return parsed.error;
    const target = pick(options);
    if (arch === null) target.default = parsed.value;
    else target.byArchitecture[arch] = parsed.value;
    return null;
  };

const bool = (value: string): Parsed<boolean> => {
  const parsed = BOOLEANS[value.toLowerCase()];
  return parsed === undefined ? { error: `"${value}" is not true or false` } : { value: parsed };
};

const testMode = (check: TestCheck) => ({
  perArch: true,
  setter: perArch(
    (o) => {
      o.testModes ??= {};
      return (o.testModes[check] ??= { default: null, byArchitecture: {} });
    },
    (v): Parsed<TestMode> =>
      (TEST_MODES as readonly string[]).includes(v)
        ? { value: v as TestMode }
        : { error: `"${v}" is not one of ${TEST_MODES.join(', ')}` },
  ),
});

const SETTERS: Record<string, { setter: Setter; perArch: boolean }> = {
  'autopkgtest-mode': testMode('autopkgtest'),
  'installtest-mode': testMode('installtest'),
  'installability-mode': testMode('installability'),
  'lintian-mode': {
    perArch: true,
    setter: perArch(
      (o) => o.lintianMode,
      (v): Parsed<LintianMode> =>
        (LINTIAN_MODES as readonly string[]).includes(v)
          ? { value: v as LintianMode }
          : { error: `"${v}" is not one of ${LINTIAN_MODES.join(', ')}` },
    ),
  },
  'run-lintian': { perArch: true, setter: perArch((o) => o.runLintian, bool) },
  'ignore-lintian': { perArch: true, setter: perArch((o) => o.ignoreLintian, bool) },
  'auto-ports': {
    perArch: false,
    setter: (options, value) => {
      const names = value
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean);
      const bad = names.filter((n) => !DISTRIBUTION.test(n));
      if (bad.length > 0) {
        return `${bad.map((n) => `"${n}"`).join(', ')} ${bad.length > 1 ? 'are not distribution names' : 'is not a distribution name'} (<codename>-<repository>-<suite>)`;
      }
      options.autoPorts.push(...names.filter((n) => !options.autoPorts.includes(n)));
      return null;
    },
  },
  'internal-apt-priority': {
    perArch: false,
    setter: (options, value) => {
      if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > 1000) {
        return `"${value}" is not a whole number from 1 to 1000`;
      }
      options.internalAptPriority = Number(value);
      return null;
    },
  },
};

export const KNOWN_OPTIONS = Object.keys(SETTERS).sort();

/** The first entry of a changelog text (a Changes field holds one or more entries). */
export function topChangelogEntry(changes: string): string[] {
  const lines = changes.split('\n');
  const header = /^\s?[a-z0-9][a-z0-9+.-]+ \([^)]+\) [^;]*;/;
  const first = lines.findIndex((line) => header.test(line));
  const end = lines.findIndex((line, i) => i > first && header.test(line));
  return end === -1 ? lines : lines.slice(0, end);
}

/** Parses and validates the options of the top entry; every problem is listed. */
export function parseUploadOptions(changes: string): {
  options: UploadOptions;
  problems: Problem[];
} {
  const options = structuredClone(NO_OPTIONS);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const line of topChangelogEntry(changes)) {
    const match = OPTION_LINE.exec(line);
    if (!match) continue;
    const [, marker, text] = match as unknown as [string, string, string];
    const add = (message: string) => problems.push({ where: `${marker} ${text}`, message });
    const kv = KEY_VALUE.exec(text);
    if (!kv) {
      add('an upload option is written key=value or key[architecture]=value');
      continue;
    }
    const [, key, arch, value] = kv as unknown as [string, string, string | undefined, string];
    const known = SETTERS[key];
    if (!known) {
      add(`unknown upload option "${key}" (known: ${KNOWN_OPTIONS.join(', ')})`);
      continue;
    }
    if (arch !== undefined && !known.perArch) {
      add(`${key} applies to all architectures; write it without [${arch}]`);
      continue;
    }
    if (arch !== undefined && !ARCH.test(arch)) {
      add(`"${arch}" is not an architecture name`);
      continue;
    }
    const id = `${key}[${arch ?? ''}]`;
    if (seen.has(id)) {
      add(`${key}${arch === undefined ? '' : `[${arch}]`} is given twice`);
      continue;
    }
    seen.add(id);
    const problem = known.setter(options, value.trim(), arch ?? null);
    if (problem) add(`${key}: ${problem}`);
  }
  return { options, problems };
}
