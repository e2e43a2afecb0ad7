import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../../../src/debian/index.js';
import { parseChangelogHead, rewriteChangelogHead } from '../../../../src/debian/changelog-head.js';
import {
  readDelivery,
  sameSecret,
  verifyHook,
} from '../../../../src/own-uploads/git/forge-hooks.js';
import {
  globMatches,
  refNameProblem,
  triggers,
} from '../../../../src/own-uploads/git/ref-patterns.js';
import { snapshotVersion } from '../../../../src/own-uploads/git/snapshot-version.js';
import { urlKind } from '../../../../src/own-uploads/git/git-sources.js';
import { versionPolicyProblems } from '../../../../src/archive/model/version-policy.js';

const unstable = { repository: 'test', codeversion: '12', experimental: false };
const commitAt = (id: string, iso: string) => ({ id, time: new Date(iso) });

describe('snapshotVersion', () => {
  it('puts +git<date>.<hash> before the suite suffix, which it keeps', () => {
    expect(
      snapshotVersion('1.0-1~test12+1', commitAt('abc1234def', '2026-12-06T12:00:00Z'), unstable),
    ).toBe('1.0-1+git20261206120000.abc1234~test12+1');
  });

  it('adds the suffix the suite asks for when the changelog has none', () => {
    const version = snapshotVersion(
      '2.0-1',
      commitAt('0123456789', '2026-01-02T03:04:05Z'),
      unstable,
    );
    expect(version).toBe('2.0-1+git20260102030405.0123456~test12+1');
    expect(
      versionPolicyProblems(version, 'test', '12', {
        name: 'unstable',
        experimental: false,
      } as never),
    ).toEqual([]);
    expect(
      snapshotVersion('2.0-1', commitAt('0123456789', '2026-01-02T03:04:05Z'), {
        ...unstable,
        experimental: true,
      }),
    ).toMatch(/~test12\+0$/);
  });

  it('puts the stamp into the upstream version where each commit needs its own tarball', () => {
    const quilt = snapshotVersion(
      '1:1.0-1~test12+1',
      commitAt('abc1234def', '2026-12-06T12:00:00Z'),
      unstable,
      true,
    );
    expect(quilt).toBe('1:1.0+git20261206120000.abc1234-1~test12+1');
    expect(compareVersions(quilt, '1:1.0-1~test12+1')).toBeGreaterThan(0);
    // No revision: nothing to put it before.
    expect(
      snapshotVersion('1.0', commitAt('abc1234', '2026-12-06T12:00:00Z'), unstable, true),
    ).toBe('1.0+git20261206120000.abc1234~test12+1');
  });

  it('makes a later commit a higher version, and both higher than the release', () => {
    const first = snapshotVersion(
      '1.0-1~test12+1',
      commitAt('ffff000', '2026-12-06T12:00:00Z'),
      unstable,
    );
    const second = snapshotVersion(
      '1.0-1~test12+1',
      commitAt('0000fff', '2026-12-06T12:00:01Z'),
      unstable,
    );
    expect(compareVersions(second, first)).toBeGreaterThan(0);
    expect(compareVersions(first, '1.0-1~test12+1')).toBeGreaterThan(0);
  });
});

describe('changelog head', () => {
  const text =
    'hello (1.0-1) unstable; urgency=medium\n\n  * New.\n\n -- A <a@b>  Thu, 01 Jan 2026 00:00:00 +0000\n';

  it('reads and rewrites the first entry only', () => {
    expect(parseChangelogHead(text)).toMatchObject({
      source: 'hello',
      version: '1.0-1',
      distributions: ['unstable'],
    });
    const next = rewriteChangelogHead(text, {
      version: '1.0-2',
      distribution: 'bookworm-test-unstable',
    });
    expect(next.split('\n')[0]).toBe('hello (1.0-2) bookworm-test-unstable; urgency=medium');
    expect(next.split('\n').slice(1)).toEqual(text.split('\n').slice(1));
  });

  it('refuses a file that is no changelog', () => {
    expect(() => parseChangelogHead('root:x:0:0:root:/root:/bin/bash\n')).toThrow(
      /does not start with an entry/,
    );
  });
});

describe('ref patterns', () => {
  it('matches tags by pattern and branches by name or pattern', () => {
    const refs = { tags: 'debian/*', branches: ['debian/latest', 'release-*'] };
    expect(triggers(refs, 'refs/tags/debian/1.0-1')).toBe(true);
    expect(triggers(refs, 'refs/tags/upstream/1.0')).toBe(false);
    expect(triggers(refs, 'refs/heads/debian/latest')).toBe(true);
    expect(triggers(refs, 'refs/heads/release-2')).toBe(true);
    expect(triggers(refs, 'refs/heads/main')).toBe(false);
    expect(triggers({ tags: null, branches: [] }, 'refs/tags/debian/1')).toBe(false);
    expect(triggers(refs, 'refs/pull/1/head')).toBe(false);
    expect(globMatches('v1.0', 'v1x0')).toBe(false);
  });

  it('refuses names git would not take', () => {
    expect(refNameProblem('debian/*', true)).toBeUndefined();
    expect(refNameProblem('debian/*', false)).toMatch(/characters/);
    expect(refNameProblem('a..b', true)).toMatch(/not a valid/);
    expect(refNameProblem('-x', true)).toMatch(/may not start/);
  });

  it('knows the URLs git may reach', () => {
    expect(urlKind('https://example.org/a.git')).toBe('http');
    expect(urlKind('git@example.org:team/a.git')).toBe('ssh');
    expect(urlKind('ssh://git@example.org/a.git')).toBe('ssh');
    expect(urlKind('/srv/git/a.git')).toBe('path');
    expect(urlKind('ext::sh -c evil')).toBeUndefined();
    expect(urlKind('--upload-pack=evil')).toBeUndefined();
    expect(urlKind('relative/path')).toBeUndefined();
  });
});

describe('forge webhooks', () => {
  const secret = 's3cret-s3cret-s3cret';
  const body = Buffer.from(
    JSON.stringify({ ref: 'refs/tags/debian/1.0-1', after: 'a'.repeat(40) }),
  );
  const hmac = createHmac('sha256', secret).update(body).digest('hex');

  it('verifies GitHub, Gitea and GitLab secrets', () => {
    const github = {
      'x-hub-signature-256': `sha256=${hmac}`,
      'x-github-event': 'push',
      'x-github-delivery': 'd-1',
    };
    expect(verifyHook({ headers: github, body }, secret)).toBe('github');
    expect(readDelivery({ headers: github, body }, 'github')).toEqual({
      kind: 'push',
      forge: 'github',
      delivery: 'd-1',
      ref: 'refs/tags/debian/1.0-1',
      commit: 'a'.repeat(40),
    });
    const gitea = { 'x-gitea-signature': hmac, 'x-gitea-event': 'push', 'x-gitea-delivery': 'g-1' };
    expect(verifyHook({ headers: gitea, body }, secret)).toBe('gitea');
    const gitlab = {
      'x-gitlab-token': secret,
      'x-gitlab-event': 'Tag Push Hook',
      'x-gitlab-event-uuid': 'l-1',
    };
    expect(verifyHook({ headers: gitlab, body }, secret)).toBe('gitlab');
    expect(readDelivery({ headers: gitlab, body }, 'gitlab').kind).toBe('push');
  });

  it('refuses unsigned requests and wrong signatures as unauthenticated', () => {
    const refused = (headers: Record<string, string>) => {
      try {
        verifyHook({ headers, body }, secret);
      } catch (error) {
        return error as { code: string; message: string };
      }
      throw new Error('accepted');
    };
    expect(refused({})).toMatchObject({
      code: 'unauthenticated',
      message: expect.stringMatching(/unsigned/),
    });
    expect(refused({ 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }).message).toMatch(
      /does not match/,
    );
    expect(refused({ 'x-hub-signature-256': hmac }).message).toMatch(/does not match/); // no sha256= prefix
    expect(
      refused({ 'x-gitea-signature': createHmac('sha256', 'other').update(body).digest('hex') })
        .code,
    ).toBe('unauthenticated');
    expect(refused({ 'x-gitlab-token': `${secret}x` }).message).toMatch(/X-Gitlab-Token/);
  });

  it('needs a delivery id, and tells pushes from pings and deletions', () => {
    expect(() => readDelivery({ headers: { 'x-github-event': 'push' }, body }, 'github')).toThrow(
      /delivery id/,
    );
    expect(
      readDelivery(
        { headers: { 'x-github-event': 'ping', 'x-github-delivery': 'p' }, body },
        'github',
      ).kind,
    ).toBe('ping');
    const deleted = Buffer.from(JSON.stringify({ ref: 'refs/heads/x', after: '0'.repeat(40) }));
    expect(
      readDelivery(
        { headers: { 'x-github-event': 'push', 'x-github-delivery': 'x' }, body: deleted },
        'github',
      ),
    ).toMatchObject({ commit: null });
    expect(() =>
      readDelivery(
        {
          headers: { 'x-github-event': 'push', 'x-github-delivery': 'y' },
          body: Buffer.from('no json'),
        },
        'github',
      ),
    ).toThrow(/not JSON/);
  });

  it('compares secrets of any length', () => {
    expect(sameSecret('a', 'a')).toBe(true);
    expect(sameSecret('a', 'ab')).toBe(false);
  });
});
