import { describe, expect, it } from 'vitest';
import { layoutAddCall, parseSuiteText, suiteText } from '../../../src/api/specs/layouts.js';
import { DEFAULT_LAYOUT } from '../../../src/archive/model/layout.js';

describe('suites in their text form', () => {
  it('reads and writes every option, and round-trips the default layout', () => {
    expect(parseSuiteText('unstable:uploadable,migrates-to=testing,rollbacks=9')).toEqual({
      name: 'unstable',
      uploadable: true,
      experimental: false,
      migratesTo: 'testing',
      rollbacks: 9,
      notAutomatic: false,
      butAutomaticUpgrades: false,
    });
    expect(parseSuiteText(' backports : not-automatic , but-automatic-upgrades ')).toMatchObject({
      name: 'backports',
      notAutomatic: true,
      butAutomaticUpgrades: true,
    });
    expect(parseSuiteText('stable')).toMatchObject({ name: 'stable', rollbacks: 0 });
    for (const suite of DEFAULT_LAYOUT.suites)
      expect(parseSuiteText(suiteText(suite))).toEqual(suite);
  });

  it('explains options it does not know', () => {
    const known =
      'uploadable, experimental, migrates-to=SUITE, rollbacks=N, not-automatic, but-automatic-upgrades';
    expect(parseSuiteText('unstable:fast')).toBe(
      `"fast" is not a suite option (they are: ${known})`,
    );
    expect(parseSuiteText('unstable:rollbacks=-1')).toBe(
      `"rollbacks=-1" is not a suite option (they are: ${known})`,
    );
    expect(parseSuiteText('unstable:uploadable=yes')).toBe(
      `"uploadable=yes" is not a suite option (they are: ${known})`,
    );
    expect(parseSuiteText('unstable:migrates-to')).toBe(
      `"migrates-to" is not a suite option (they are: ${known})`,
    );
  });

  it('validates to the snake_case object, which validates to itself (the CLI sends it on)', () => {
    const input = { name: 'team', suites: ['unstable:uploadable,rollbacks=2', { name: 'stable' }] };
    const once = layoutAddCall.input.parse(input);
    expect(once.suites).toEqual([
      {
        name: 'unstable',
        uploadable: true,
        experimental: false,
        migrates_to: null,
        rollbacks: 2,
        not_automatic: false,
        but_automatic_upgrades: false,
      },
      {
        name: 'stable',
        uploadable: false,
        experimental: false,
        migrates_to: null,
        rollbacks: 0,
        not_automatic: false,
        but_automatic_upgrades: false,
      },
    ]);
    expect(layoutAddCall.input.parse(once)).toEqual(once);
  });
});
