import http from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, createApiRouter } from '../../../src/api/api-router.js';
import { incomingRoutes } from '../../../src/api/routers/incoming-router.js';
import { dputConf } from '../../../src/incoming/dput-conf.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { serve } from '../../fixtures/index.js';

async function app(publicUrl: string | null): Promise<string> {
  const routes = incomingRoutes({
    publicUrl,
    dputConf: (host, name) => ({
      dputConf: dputConf({
        identity: 'farm',
        ...(name ? { name } : {}),
        host,
        ftpPort: 2121,
        repositories: [{ id: 'test', allowUnsigned: true }],
      }),
      host,
      port: 2121,
    }),
    gate: {
      pause: () => {
        throw new Error('not used');
      },
      resume: () => {
        throw new Error('not used');
      },
    },
  });
  const server = express();
  server.use(
    '/api/v1',
    createApiRouter({
      implementations: routes,
      authenticate: () => ANONYMOUS,
      logger: silentLogger,
    }),
  );
  return serve(server);
}

/** A GET with a Host header of our choice (fetch sets its own). */
function get(
  url: string,
  headers: Record<string, string>,
): Promise<{ type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ type: response.headers['content-type'] ?? '', body }));
      })
      .on('error', reject);
  });
}

describe('GET /api/v1/dput_conf', () => {
  it('names the host of the public URL, or the one the request came to', async () => {
    const configured = await app('https://builds.example.org:8443/debyard');
    const text = await (await fetch(`${configured}/api/v1/dput_conf`)).text();
    expect(text).toContain('fqdn = builds.example.org:2121\n');

    const base = await app(null);
    const viaHost = await get(`${base}/api/v1/dput_conf`, { host: 'ftp.example.net:8066' });
    expect(viaHost.type).toBe('text/plain; charset=utf-8');
    expect(viaHost.body).toContain('fqdn = ftp.example.net:2121\n');
    const ipv6 = await get(`${base}/api/v1/dput_conf`, {
      host: '[2001:db8::1]:8066',
      accept: 'application/json',
    });
    expect(JSON.parse(ipv6.body)).toMatchObject({ host: '2001:db8::1', port: 2121 });
  });

  it('names the stanzas as asked (?name=), refusing names dput.cf cannot take', async () => {
    const base = await app(null);
    const named = await (await fetch(`${base}/api/v1/dput_conf?name=builds`)).text();
    expect(named).toMatch(/^\[builds\]\n/);
    expect(named).toContain('\n[builds-test]\n');
    expect(await (await fetch(`${base}/api/v1/dput_conf`)).text()).toContain('[debyard-farm-test]');
    const bad = await fetch(`${base}/api/v1/dput_conf?name=${encodeURIComponent('a]b')}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toContain(
      'name: must be letters, digits, dots, dashes and underscores',
    );
  });
});
