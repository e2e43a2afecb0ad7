import { describe, expect, it } from 'vitest';
import { extraSourceApt } from '../../../src/archive/extra-sources/extra-source-apt.js';
import type { ExtraSourceRecord } from '../../../src/archive/extra-sources/extra-source-records.js';

const KEY =
  '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxjMEZ\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n';

const source = (over: Partial<ExtraSourceRecord>): ExtraSourceRecord => ({
  name: 'extras',
  url: 'http://apt.example.org/debian/',
  suites: ['bookworm', 'bookworm-backports'],
  components: ['main', 'contrib'],
  distributions: ['bookworm-test-unstable'],
  armoredKey: KEY,
  keyFingerprints: ['ABCD'],
  unsigned: false,
  priority: 600,
  origin: 'Extras',
  auth: null,
  createdAt: '2026-12-07T00:00:00Z',
  ...over,
});

describe("extra sources in a build's apt", () => {
  it('trust exactly their own key, inline, and are pinned by their Origin at their priority', () => {
    const apt = extraSourceApt([source({})]);
    expect(apt.sources).toBe(
      [
        'Types: deb',
        'URIs: http://apt.example.org/debian/',
        'Suites: bookworm bookworm-backports',
        'Components: main contrib',
        'Signed-By:',
        ' -----BEGIN PGP PUBLIC KEY BLOCK-----',
        ' .',
        ' xjMEZ',
        ' =abcd',
        ' -----END PGP PUBLIC KEY BLOCK-----',
        '',
      ].join('\n'),
    );
    expect(apt.preferences).toBe(
      'Explanation: debyard extra source extras\nPackage: *\nPin: release o=Extras\nPin-Priority: 600\n',
    );
    expect(apt.auth).toBe('');
  });

  it('say Trusted only for a source marked unsigned; pin by host an Origin apt cannot take', () => {
    const apt = extraSourceApt([
      source({ armoredKey: null, unsigned: true, origin: 'Two Words', name: 'plain' }),
    ]);
    expect(apt.sources).toContain('\nTrusted: yes\n');
    expect(apt.sources).not.toContain('Signed-By');
    expect(apt.preferences).toContain('Pin: origin "apt.example.org"\nPin-Priority: 600');
  });

  it('give apt the logins, for plain http with the scheme apt asks for', () => {
    const apt = extraSourceApt([
      source({ url: 'http://repo.example.org:8080/apt/', auth: { login: 'ci', password: 'pw' } }),
      source({ url: 'https://secure.example.org/', auth: { login: 'ci2', password: 'pw2' } }),
      source({ name: 'open' }),
    ]);
    expect(apt.auth).toBe(
      'machine http://repo.example.org:8080/apt login ci password pw\n' +
        'machine secure.example.org login ci2 password pw2\n',
    );
    expect(apt.sources.split('\n\n')).toHaveLength(3);
  });
});
