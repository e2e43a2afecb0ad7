import { describe, expect, it } from 'vitest';
import { sourceUris } from '../../../src/chroot/apt-sources.js';
import { allowList, allowsTunnel, allowsUrl } from '../../../src/chroot/mirror-proxy.js';

describe('the allow list of a sandbox', () => {
  const list = allowList([
    'http://deb.debian.org/debian',
    'http://127.0.0.1:8066/repos/test/',
    'https://mirror.example/debian-security/',
    'file:/srv/local',
    'not a url',
  ]);

  it('takes http and https sources only', () => {
    expect(list.prefixes.map(String)).toEqual([
      'http://deb.debian.org/debian/',
      'http://127.0.0.1:8066/repos/test/',
      'https://mirror.example/debian-security/',
    ]);
  });

  it('allows what lies below a source, nothing beside it', () => {
    expect(allowsUrl(list, 'http://deb.debian.org/debian/dists/bookworm/InRelease')).toBe(true);
    expect(allowsUrl(list, 'http://127.0.0.1:8066/repos/test/pool/main/h/hello.deb')).toBe(true);
    expect(allowsUrl(list, 'http://127.0.0.1:8066/repos/other/dists/x/InRelease')).toBe(false);
    expect(allowsUrl(list, 'http://127.0.0.1:8066/api/v1/status')).toBe(false);
    expect(allowsUrl(list, 'http://127.0.0.1:8067/repos/test/')).toBe(false);
    expect(allowsUrl(list, 'http://deb.debian.org/debian-evil/x')).toBe(false);
    expect(allowsUrl(list, 'http://user@deb.debian.org/debian/x')).toBe(false);
    // Dots are resolved before the check; encoded ones are refused.
    expect(allowsUrl(list, 'http://127.0.0.1:8066/repos/test/../../api/v1/status')).toBe(false);
    expect(allowsUrl(list, 'http://127.0.0.1:8066/repos/test/%2e%2e/%2E%2E/api')).toBe(false);
    expect(allowsUrl(list, 'http://127.0.0.1:8066/repos/test/a%2fb')).toBe(false);
    expect(allowsUrl(list, 'https://mirror.example/debian-security/x')).toBe(true);
    expect(allowsUrl(list, 'garbage')).toBe(false);
  });

  it('tunnels only to https sources', () => {
    expect(allowsTunnel(list, 'mirror.example:443')).toBe(true);
    expect(allowsTunnel(list, 'deb.debian.org:443')).toBe(false);
    expect(allowsTunnel(list, '127.0.0.1:8066')).toBe(false);
  });
});

describe('apt source URIs', () => {
  it('reads one-line sources', () => {
    const text = [
      'deb http://deb.debian.org/debian bookworm main',
      '# deb http://commented.example/debian bookworm main',
      'deb [signed-by=/k.gpg arch=amd64] https://x.example/debian bookworm main',
      'deb-src http://src.example/debian bookworm main',
      '',
    ].join('\n');
    expect(sourceUris(text, 'list')).toEqual([
      'http://deb.debian.org/debian',
      'https://x.example/debian',
      'http://src.example/debian',
    ]);
  });

  it('reads deb822 stanzas, leaving out disabled ones', () => {
    const text = [
      'Types: deb',
      'URIs: http://a.example/debian http://b.example/debian',
      'Suites: bookworm',
      '',
      'Types: deb',
      'URIs: http://off.example/debian',
      'Enabled: no',
      '',
      '# URIs: http://comment.example/',
      'Types: deb',
      'URIs:',
      ' http://c.example/debian',
      '',
    ].join('\n');
    expect(sourceUris(text, 'sources')).toEqual([
      'http://a.example/debian',
      'http://b.example/debian',
      'http://c.example/debian',
    ]);
  });
});
