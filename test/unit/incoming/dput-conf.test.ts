import { describe, expect, it } from 'vitest';
import { dputConf } from '../../../src/incoming/dput-conf.js';

describe('dputConf', () => {
  it('has a signed stanza and one per repository taking unsigned uploads', () => {
    const text = dputConf({
      identity: 'farm',
      host: 'builds.example.org',
      ftpPort: 8067,
      repositories: [
        { id: 'test', allowUnsigned: true },
        { id: 'main', allowUnsigned: false },
      ],
    });
    expect(text).toBe(
      [
        '[debyard-farm]',
        'method = ftp',
        'fqdn = builds.example.org:8067',
        'login = anonymous',
        'incoming = /incoming',
        'passive_ftp = 1',
        'allow_unsigned_uploads = 0',
        '',
        '[debyard-farm-test]',
        'method = ftp',
        'fqdn = builds.example.org:8067',
        'login = anonymous',
        'incoming = /incoming',
        'passive_ftp = 1',
        'allow_unsigned_uploads = 1',
        'allowed_distributions = ^[a-z][a-z0-9]*-test-[a-z]+$',
        '',
      ].join('\n'),
    );
  });
});
