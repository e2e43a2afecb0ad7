import { createRequire } from 'node:module';
import path from 'node:path';

/** lzma_code's arguments: the action, then input and output buffers with offsets. */
type CodeArguments = [
  action: number,
  input: Buffer,
  inputOffset: number,
  inputLength: number,
  output: Buffer,
  outputOffset: number,
];

/** One liblzma stream of node-liblzma's native binding (its JS streams wrap one each). */
interface NativeStream {
  /** lzma_code: gives [status, input bytes left, output bytes left]. */
  codeSync(...args: CodeArguments): [number, number, number];
  /** The same on the libuv thread pool; `done` gets status, input left, output left. */
  code(
    ...args: [...CodeArguments, done: (status: number, inputLeft: number, outputLeft: number) => void]
  ): void;
  close(): void;
}

interface NativeBinding {
  LZMA: new (mode: number, options: object) => NativeStream;
  STREAM_DECODE: number;
  STREAM_ENCODE: number;
  LZMA_CHECK_NONE: number;
  LZMA_FILTER_LZMA2: number;
  LZMA_MODE_NORMAL: number;
  LZMA_FINISH: number;
  LZMA_OK: number;
  LZMA_STREAM_END: number;
}

/** Options as node-liblzma's Unxz passes them (the decoder itself only looks at a few). */
const DECODER_OPTIONS = { check: 0, preset: 6, filters: [0x21], mode: 2, threads: 1 };

/**
 * node-liblzma's native binding, loaded the way node-liblzma loads it (node-gyp-build in
 * its package folder, so the very same module), or undefined if it has not the expected
 * shape. Its `unxzSync` builds a whole Transform stream around each call: for the 10 KiB
 * control.tar of a small package that costs twice the decoding (bench/README.md).
 */
function loadBinding(): NativeBinding | undefined {
  try {
    const requireHere = createRequire(import.meta.url);
    const main = requireHere.resolve('node-liblzma');
    const requireThere = createRequire(main);
    const load = requireThere('node-gyp-build') as (dir: string) => NativeBinding;
    const binding = load(path.resolve(path.dirname(main), '..'));
    const ok =
      typeof binding?.LZMA === 'function' &&
      typeof binding.LZMA.prototype.codeSync === 'function' &&
      typeof binding.LZMA.prototype.code === 'function' &&
      typeof binding.STREAM_DECODE === 'number' &&
      typeof binding.STREAM_ENCODE === 'number' &&
      typeof binding.LZMA_FINISH === 'number';
    return ok ? binding : undefined;
  } catch {
    return undefined;
  }
}

let binding: NativeBinding | null | undefined;

/** The binding, loaded on first use; null when it is not usable. */
function nativeBinding(): NativeBinding | null {
  if (binding === undefined) binding = loadBinding() ?? null;
  return binding;
}

/** Whether unxzOneCall and xzOneCallAsync work here (node-liblzma's native binding is usable). */
export function hasNativeXz(): boolean {
  return nativeBinding() !== null;
}

/**
 * Decodes a whole xz member (concatenated streams allowed, as xz(1) does) with one
 * liblzma stream and no JavaScript stream around it. Gives undefined when the input is
 * not clean — corrupt, truncated, trailing garbage — or would decode to more than
 * `limit` bytes, and also when the native binding is not there: the caller then uses its
 * streaming decoder, which names the exact error.
 */
export function unxzOneCall(data: Buffer, limit: number): Buffer | undefined {
  const lib = nativeBinding();
  if (!lib) return undefined;
  const stream = new lib.LZMA(lib.STREAM_DECODE, DECODER_OPTIONS);
  try {
    // A small .deb's member is one 10 KiB tar record: one allocation, one call.
    let out = Buffer.allocUnsafe(Math.min(limit, Math.max(16 << 10, data.length * 4)));
    let produced = 0;
    let inputAt = 0;
    let inputLeft = data.length;
    for (let calls = 0; ; calls++) {
      const [status, inLeft, outLeft] = stream.codeSync(
        lib.LZMA_FINISH,
        data,
        inputAt,
        inputLeft,
        out,
        produced,
      );
      inputAt += inputLeft - inLeft;
      inputLeft = inLeft;
      produced = out.length - outLeft;
      if (status === lib.LZMA_STREAM_END) return inputLeft === 0 ? out.subarray(0, produced) : undefined;
      // Anything but "go on" is an error; "go on" with output room left is input that
      // ends too early (liblzma says so on the next call: stop here instead).
      if (status !== lib.LZMA_OK || outLeft > 0 || calls > 64) return undefined;
      if (out.length >= limit) return undefined;
      const bigger = Buffer.allocUnsafe(Math.min(limit, out.length * 2));
      out.copy(bigger, 0, 0, produced);
      out = bigger;
    }
  } finally {
    stream.close();
  }
}

/**
 * Compresses a whole buffer into one .xz stream on the libuv thread pool, as node-liblzma's
 * `xzAsync` does with the same options (no integrity check, LZMA2 with `preset`; the same
 * bytes), but without a Transform stream around the one call: for the hundreds of small
 * index segments of a bulk publish, that set-up cost more main-thread time than the
 * compression. Undefined when the native binding is not there.
 */
export function xzOneCallAsync(data: Buffer, preset: number): Promise<Buffer> | undefined {
  const lib = nativeBinding();
  if (!lib) return undefined;
  const stream = new lib.LZMA(lib.STREAM_ENCODE, {
    check: lib.LZMA_CHECK_NONE,
    preset,
    filters: [lib.LZMA_FILTER_LZMA2],
    mode: lib.LZMA_MODE_NORMAL,
    threads: 1,
  });
  return new Promise<Buffer>((resolve, reject) => {
    // xz output is at most a little larger than its input (stored chunks plus headers).
    let out = Buffer.allocUnsafe(data.length + (data.length >> 6) + 1024);
    let produced = 0;
    let inputAt = 0;
    let inputLeft = data.length;
    const step = () =>
      stream.code(lib.LZMA_FINISH, data, inputAt, inputLeft, out, produced, (status, inLeft, outLeft) => {
        inputAt += inputLeft - inLeft;
        inputLeft = inLeft;
        produced = out.length - outLeft;
        if (status === lib.LZMA_STREAM_END) {
          stream.close();
          resolve(out.subarray(0, produced));
        } else if (status === lib.LZMA_OK && outLeft === 0) {
          const bigger = Buffer.allocUnsafe(out.length * 2);
          out.copy(bigger, 0, 0, produced);
          out = bigger;
          step();
        } else {
          stream.close();
          reject(new Error(`liblzma could not compress (status ${status})`));
        }
      });
    step();
  });
}
