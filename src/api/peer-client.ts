import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { PeerApi, PeerBuildResult, PeerFile, PeerJobRequest } from '../remote/peer-api.js';
import { AppError, RemotePeerError, UnavailableError } from '../shared/errors.js';
import { ApiClient } from './client.js';
import { fromProblem, type ProblemDocument } from './problem.js';
import {
  peerJobCreateCall,
  peerJobLogCall,
  peerJobRemoveCall,
  peerJobStartCall,
  peerStatusCall,
} from './specs/peers.js';

export interface PeerClientOptions {
  /** A fetch that reaches the peer's HTTP API (through the SSH tunnel). */
  fetch: typeof fetch;
  /** An API token of a staff user of the peer. */
  token: string;
  /** Names the peer in errors: `peer builder2`. */
  label: string;
}

/** Any host name will do: the tunnel decides where requests go. */
const BASE = 'http://peer';

/**
 * The peer calls over a given fetch: JSON calls with the API client, the job's files as
 * raw bytes. Every failure is a RemotePeerError naming the peer, its cause the original.
 */
export function createPeerApi(options: PeerClientOptions): PeerApi {
  const client = new ApiClient({ server: BASE, token: options.token, fetch: options.fetch });
  const fail = (what: string) => (error: unknown) => {
    throw peerError(options.label, what, error);
  };
  const raw = (method: string, path: string, init: RequestInit) =>
    options
      .fetch(`${BASE}${path}`, {
        ...init,
        method,
        headers: { ...(init.headers as object), authorization: `Bearer ${options.token}` },
      })
      .then(async (response) => {
        if (response.ok) return response;
        const text = await response.text();
        throw fromProblem(parseProblem(text, response.status), response.status);
      });
  const jobPath = (job: string, kind: 'files' | 'results', name: string) =>
    `/api/v1/peer_jobs/${encodeURIComponent(job)}/${kind}/${encodeURIComponent(name)}`;

  return {
    status: (signal) => client.call(peerStatusCall, {}, signal).catch(fail('status check')),
    createJob: (request, signal) =>
      client.call(peerJobCreateCall, jobInput(request), signal).catch(fail('creating a build job')),
    startJob: (job, signal) =>
      client.call(peerJobStartCall, { job }, signal).catch(fail(`starting job ${job}`)),
    removeJob: async (job, signal) => {
      await client.call(peerJobRemoveCall, { job }, signal).catch(fail(`removing job ${job}`));
    },
    upload: async (job, file: PeerFile, path, signal) => {
      const body = Readable.toWeb(createReadStream(path)) as ReadableStream;
      await raw('PUT', jobPath(job, 'files', file.name), {
        body,
        signal,
        headers: { 'content-type': 'application/octet-stream', 'content-length': `${file.size}` },
        duplex: 'half',
      } as RequestInit).catch(fail(`sending ${file.name}`));
    },
    download: async (job, name, target, signal) => {
      try {
        const response = await raw('GET', jobPath(job, 'results', name), { signal });
        const body = Readable.fromWeb(response.body as WebReadableStream);
        await pipeline(body, createWriteStream(target), { signal });
      } catch (error) {
        await rm(target, { force: true });
        fail(`fetching ${name}`)(error);
      }
    },
    follow: (job, onText, { signal, resumeForMs }) =>
      followLog(client, job, onText, signal, resumeForMs).catch(fail(`following job ${job}`)),
  };
}

async function followLog(
  client: ApiClient,
  job: string,
  onText: (text: string) => void,
  signal: AbortSignal | undefined,
  resumeForMs: number,
): Promise<PeerBuildResult> {
  const done = new AbortController();
  const stop = signal ? AbortSignal.any([signal, done.signal]) : done.signal;
  let result: PeerBuildResult | null = null;
  await client.stream(
    peerJobLogCall,
    { job, follow: true },
    (item) => {
      if (result) return;
      if ('text' in item) onText(item.text);
      else {
        result = item.result;
        done.abort();
      }
    },
    { signal: stop, reconnect: true, reconnectForMs: resumeForMs },
  );
  if (result) return result;
  if (signal?.aborted) throw signal.reason;
  throw new UnavailableError('the log stream ended without a result');
}

function jobInput(request: PeerJobRequest) {
  return {
    dsc: request.dsc,
    files: request.files.map((f) => `${f.sha256} ${f.size} ${f.name}`),
    codename: request.codename,
    architecture: request.architecture,
    arch_all: request.archAll,
    distribution: request.distribution,
    lintian: request.lintian,
    time_limit_ms: request.timeLimitMs,
    // Sent only when set: a peer of an older version refuses fields it does not know.
    limit_pids: request.limits?.pids,
    limit_memory_bytes: request.limits?.memoryBytes,
    limit_cpus: request.limits?.cpus,
    limit_disk_bytes: request.limits?.diskBytes,
    deb_build_options: request.debBuildOptions,
    extra_apt_sources: request.extraApt?.sources,
    extra_apt_key: request.extraApt?.key,
    extra_apt_preferences: request.extraApt?.preferences,
    extra_apt_auth: request.extraApt?.auth,
  };
}

function parseProblem(text: string, status: number): Partial<ProblemDocument> {
  try {
    return JSON.parse(text) as Partial<ProblemDocument>;
  } catch {
    return { detail: `HTTP ${status}: ${text.slice(0, 200)}` };
  }
}

/** A failure of a peer call in words that name the peer and what it was doing. */
function peerError(label: string, what: string, error: unknown): RemotePeerError {
  if (error instanceof RemotePeerError) return error;
  // The tunnel's own failure, wrapped by the API client as "cannot reach the daemon".
  if (error instanceof UnavailableError && error.cause instanceof RemotePeerError) {
    return error.cause;
  }
  const cause = error instanceof AppError ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  let why = message;
  if (cause?.code === 'unauthenticated') why = `the peer refused the API token: ${message}`;
  else if (cause?.code === 'permission') why = `the peer's API token lacks a role: ${message}`;
  return new RemotePeerError(`${label}: ${what} failed: ${why}`, {
    cause: error,
    details: { peerCode: cause?.code ?? null },
  });
}
