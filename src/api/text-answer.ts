import type { Request, Response } from 'express';
import { InvalidInputError } from '../shared/errors.js';
import { sendProblem, type CallContext } from './api-router.js';
import { responseDrained } from './sse.js';

/**
 * Answers plain text unless the client asked for JSON (the CLI does), so `curl` output
 * can go straight into a file; returns the JSON answer for the API router otherwise.
 */
export function textOr<T>(context: CallContext, text: string, json: T, type = 'text/plain'): T {
  if (context.request.accepts([type, 'json']) !== 'json') {
    context.response.type(type).send(text);
  }
  return json;
}

/**
 * Sends a text file that may still grow (a build log) as itself: see sendFileAnswer.
 * The call's handler returns what this resolves with; the API router sends nothing more
 * once the answer has gone.
 */
export async function sendTextFile<T>(
  context: CallContext,
  file: string,
  missing: () => Error,
): Promise<T> {
  const type = 'text/plain; charset=utf-8';
  await sendFileAnswer(context.request, context.response, file, { type, missing });
  return undefined as T;
}

/**
 * Sends a file streamed from disk, never read whole, with Range requests (206, and 416
 * as a problem document), ETag and Last-Modified. Rejects with `missing()` when there is
 * no such file (nothing sent yet).
 */
export function sendFileAnswer(
  request: Request,
  response: Response,
  file: string,
  options: { type: string; missing: () => Error },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    response.sendFile(
      file,
      {
        dotfiles: 'allow',
        acceptRanges: true,
        etag: true,
        lastModified: true,
        headers: { 'Content-Type': options.type, 'Cache-Control': 'no-cache' },
      },
      (error?: Error & { code?: string; status?: number; headers?: Record<string, string> }) => {
        if (!error || response.headersSent) return resolve();
        if (error.code === 'ENOENT' || error.status === 404) return reject(options.missing());
        if (error.status !== 416) return reject(error);
        // Content-Range: bytes */<size>, as RFC 9110 wants it.
        response.set(error.headers ?? {});
        const range = request.get('range') ?? '';
        const size = /\/(\d+)$/.exec(error.headers?.['Content-Range'] ?? '')?.[1] ?? '?';
        sendProblem(
          response,
          new InvalidInputError(`the range "${range}" is not within the ${size} bytes there are`),
          416,
        );
        resolve();
      },
    );
  });
}

/**
 * Sends `{...fields, [key]: text}` as JSON with the text written piece by piece as
 * `pieces` yields it, each after the client took the last: a big log costs the daemon
 * one piece per client, not the log. A failure midway breaks the connection (the JSON
 * stays unfinished, so no client takes a part for the whole).
 */
export async function sendJsonWithText<T>(
  context: CallContext,
  fields: Record<string, unknown>,
  key: string,
  pieces: AsyncIterable<{ text: string }>,
): Promise<T> {
  const { response, signal } = context;
  const iterator = pieces[Symbol.asyncIterator]();
  // The first piece before the status: a missing file is still a proper problem.
  let next = await iterator.next();
  const start = JSON.stringify(fields).slice(0, -1);
  response.status(200).type('json');
  response.write(`${start}${start === '{' ? '' : ','}${JSON.stringify(key)}:"`);
  try {
    while (!next.done && !signal.aborted) {
      if (!response.write(JSON.stringify(next.value.text).slice(1, -1))) {
        await responseDrained(response);
      }
      next = await iterator.next();
    }
  } catch (error) {
    response.destroy(error as Error);
    throw error;
  } finally {
    await iterator.return?.();
  }
  // Cut short (the daemon stops): no closing quote, the client sees a broken answer.
  if (signal.aborted) response.destroy();
  else response.end('"}');
  return undefined as T;
}
