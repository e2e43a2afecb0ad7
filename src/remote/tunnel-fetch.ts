import http from 'node:http';
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** Opens a byte stream to the HTTP server (an SSH channel, here). */
export type OpenStream = (signal?: AbortSignal) => Promise<Duplex>;

/** What http's client calls on a socket beyond reading and writing (as ssh2's own agent does). */
function asSocket(stream: Duplex): Duplex {
  const socket = stream as Duplex & Record<string, unknown>;
  const noop = () => socket;
  socket.setKeepAlive = noop;
  socket.setNoDelay = noop;
  socket.setTimeout = noop;
  socket.ref = noop;
  socket.unref = noop;
  socket.destroySoon = () => stream.destroy();
  return stream;
}

/**
 * A `fetch` whose requests travel over streams `open` makes (SSH channels to a peer's
 * HTTP API). Request bodies may be strings, bytes or web streams; the response body is
 * a web stream, so API clients read it as from the global fetch.
 */
export function streamFetch(open: OpenStream): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const signal = init.signal ?? undefined;
      // One stream per request, opened under the request's own signal.
      const createConnection = (
        _options: unknown,
        callback: (error: Error | null, socket?: Duplex) => void,
      ) => {
        open(signal).then(
          (stream) => callback(null, asSocket(stream)),
          (error: unknown) => callback(error as Error),
        );
        return undefined;
      };
      const request = http.request(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          createConnection: createConnection as unknown as http.RequestOptions['createConnection'],
          signal,
        },
        (response) => {
          const status = response.statusCode ?? 502;
          const noBody = status === 204 || status === 304 || init.method === 'HEAD';
          if (noBody) response.resume();
          resolve(
            new Response(noBody ? null : bodyOf(response), {
              status,
              statusText: response.statusMessage,
              headers: responseHeaders(response.headers),
            }),
          );
        },
      );
      request.on('error', reject);
      const body = init.body;
      if (body === undefined || body === null) request.end();
      else if (typeof body === 'string' || body instanceof Uint8Array) request.end(body);
      else if (body instanceof ReadableStream) {
        const source = Readable.fromWeb(body as WebReadableStream);
        source.on('error', (error) => request.destroy(error));
        source.pipe(request);
      } else reject(new TypeError('streamFetch sends strings, bytes and streams only'));
    });
}

/**
 * The response body as a web stream. A connection that breaks mid-body errors it with
 * `TypeError: terminated`, as the global fetch does, so stream readers resume it.
 */
function bodyOf(response: http.IncomingMessage): ReadableStream<Uint8Array> {
  const chunks = response[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.length));
      } catch (error) {
        controller.error(new TypeError('terminated', { cause: error }));
      }
    },
    cancel() {
      response.destroy();
    },
  });
}

function responseHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return headers;
}
