import { describe, expect, it } from 'vitest';
import {
  forArchitecture,
  parseUploadOptions,
  topChangelogEntry,
} from '../../../src/incoming/upload-options.js';

/** A Changes field as a .changes carries it (deb822 continuation lines, one or more entries). */
const changes = (...lines: string[]) =>
  [
    '',
    'hello (1.0-2~test12+1) bookworm-test-unstable; urgency=medium',
    '.',
    '  * Fix things.',
    ...lines,
    'hello (1.0-1~test12+1) bookworm-test-unstable; urgency=medium',
    '.',
    '  * DEBYARD_OPTION: auto-ports=bookworm-old-unstable',
  ].join('\n');

describe('upload options', () => {
  it('reads both spellings, per architecture, from the top entry only', () => {
    const { options, problems } = parseUploadOptions(
      changes(
        '  * MINI_BUILDD_OPTION: ignore-lintian=true',
        '  * DEBYARD_OPTION: run-lintian[armel]=false',
        '  * DEBYARD_OPTION: lintian-mode=warnfail',
        '  * DEBYARD_OPTION: lintian-mode[arm64]=ignore',
        '  * DEBYARD_OPTION: auto-ports=bookworm-test-unstable, trixie-test-unstable',
        '  * DEBYARD_OPTION: internal-apt-priority=500',
      ),
    );
    expect(problems).toEqual([]);
    expect(options).toEqual({
      ignoreLintian: { default: true, byArchitecture: {} },
      runLintian: { default: null, byArchitecture: { armel: false } },
      lintianMode: { default: 'warnfail', byArchitecture: { arm64: 'ignore' } },
      autoPorts: ['bookworm-test-unstable', 'trixie-test-unstable'],
      internalAptPriority: 500,
    });
    expect(forArchitecture(options.lintianMode, 'arm64', 'disabled')).toBe('ignore');
    expect(forArchitecture(options.lintianMode, 'amd64', 'disabled')).toBe('warnfail');
    expect(forArchitecture(options.runLintian, 'amd64', true)).toBe(true);
  });

  it('lists every bad option', () => {
    const { problems } = parseUploadOptions(
      changes(
        '  * DEBYARD_OPTION: make-it-fast=true',
        '  * DEBYARD_OPTION: ignore-lintian=perhaps',
        '  * DEBYARD_OPTION: auto-ports[amd64]=bookworm-test-unstable',
        '  * DEBYARD_OPTION: internal-apt-priority=5000',
        '  * DEBYARD_OPTION: lintian-mode=strict',
        '  * DEBYARD_OPTION: auto-ports=unstable',
        '  * DEBYARD_OPTION: run-lintian[Bad Arch]=false',
        '  * DEBYARD_OPTION: ignore-lintian=false',
        '  * DEBYARD_OPTION: no equals sign',
      ),
    );
    expect(problems.map((p) => `${p.where}: ${p.message}`)).toEqual([
      'DEBYARD_OPTION make-it-fast=true: unknown upload option "make-it-fast" (known: auto-ports, autopkgtest-mode, ignore-lintian, installability-mode, installtest-mode, internal-apt-priority, lintian-mode, run-lintian)',
      'DEBYARD_OPTION ignore-lintian=perhaps: ignore-lintian: "perhaps" is not true or false',
      'DEBYARD_OPTION auto-ports[amd64]=bookworm-test-unstable: auto-ports applies to all architectures; write it without [amd64]',
      'DEBYARD_OPTION internal-apt-priority=5000: internal-apt-priority: "5000" is not a whole number from 1 to 1000',
      'DEBYARD_OPTION lintian-mode=strict: lintian-mode: "strict" is not one of disabled, ignore, errfail, warnfail',
      'DEBYARD_OPTION auto-ports=unstable: auto-ports: "unstable" is not a distribution name (<codename>-<repository>-<suite>)',
      'DEBYARD_OPTION run-lintian[Bad Arch]=false: "Bad Arch" is not an architecture name',
      'DEBYARD_OPTION ignore-lintian=false: ignore-lintian is given twice',
      'DEBYARD_OPTION no equals sign: an upload option is written key=value or key[architecture]=value',
    ]);
  });

  it('reads the test modes per architecture and refuses unknown modes', () => {
    const { options, problems } = parseUploadOptions(
      changes(
        '  * DEBYARD_OPTION: autopkgtest-mode=ignore',
        '  * DEBYARD_OPTION: installtest-mode[arm64]=disabled',
        '  * DEBYARD_OPTION: installability-mode=errfail',
        '  * DEBYARD_OPTION: installtest-mode=warnfail',
      ),
    );
    expect(options.testModes).toEqual({
      autopkgtest: { default: 'ignore', byArchitecture: {} },
      installtest: { default: null, byArchitecture: { arm64: 'disabled' } },
      installability: { default: 'errfail', byArchitecture: {} },
    });
    expect(problems.map((p) => p.message)).toEqual([
      'installtest-mode: "warnfail" is not one of disabled, ignore, errfail',
    ]);
  });

  it('takes the first entry of a Changes field', () => {
    expect(topChangelogEntry(changes('  * more'))).toEqual([
      '',
      'hello (1.0-2~test12+1) bookworm-test-unstable; urgency=medium',
      '.',
      '  * Fix things.',
      '  * more',
    ]);
  });
});
