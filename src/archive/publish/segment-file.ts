import { randomBytes } from 'node:crypto';
import { ftruncateSync, mkdirSync, openSync, read, readSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Bytes read with one call where segments lie side by side in the file. */
const READ_BYTES = 1 << 20;

interface Place {
  at: number;
  size: number;
}

/** Where some segments' texts are: the file's descriptor, each text's offset and length. */
export interface SegmentPlaces {
  fd: number;
  /** Offset and length of each text, one pair after the other. */
  places: number[];
}

/**
 * The uncompressed texts of index segments, kept in a file rather than in memory: at
 * Debian's size they are over 100 MB, needed only to hash a big index's plain file (which
 * is not served) from a change on and to compress segments once. Reading them back is a
 * copy from the page cache: on the thread pool (get, readAll), or with blocking calls by
 * the hashing (readPlaces, on the digest thread). The file is unlinked as soon as it is
 * opened: it holds nothing a restart needs (the database keeps every segment), and a crash
 * leaves nothing behind.
 */
export class SegmentFile {
  private readonly places = new Map<string, Place>();
  private fd: number | undefined;
  private end = 0;

  /** `dir`: where the file is made (on a disk: not a tmpfs, which would hold it in RAM). */
  constructor(private readonly dir: string) {}

  /** The file's length in bytes (segments written, including those no longer used). */
  get bytes(): number {
    return this.end;
  }

  has(key: string): boolean {
    return this.places.has(key);
  }

  /** The length of a segment's text. */
  sizeOf(key: string): number {
    return this.placeOf(key).size;
  }

  /** Appends a segment's text, unless the file has it already. */
  put(key: string, data: Uint8Array): void {
    if (this.places.has(key)) return;
    const fd = this.open();
    for (let done = 0; done < data.length;) {
      done += writeSync(fd, data, done, data.length - done, this.end + done);
    }
    this.places.set(key, { at: this.end, size: data.length });
    this.end += data.length;
  }

  /** Where the texts of `keys` are, to read them with readPlaces (on any thread). */
  locate(keys: readonly string[]): SegmentPlaces {
    const places = keys.flatMap((k) => {
      const { at, size } = this.placeOf(k);
      return [at, size];
    });
    return { fd: this.fd ?? -1, places };
  }

  /** The text of one segment. */
  async get(key: string): Promise<Buffer> {
    const place = this.placeOf(key);
    return this.readAt(place.at, place.size, Buffer.allocUnsafe(place.size));
  }

  /** The texts of `keys`, in order, in one buffer of their own. */
  async readAll(keys: readonly string[]): Promise<Buffer[]> {
    const runs = runsOf(keys.map((k) => this.placeOf(k)));
    const all = Buffer.allocUnsafe(runs.reduce((n, r) => n + r.size, 0));
    const texts: Buffer[] = [];
    let at = 0;
    for (const run of runs) {
      await this.readAt(run.at, run.size, all.subarray(at, at + run.size));
      for (const size of run.sizes) {
        texts.push(all.subarray(at, at + size));
        at += size;
      }
    }
    return texts;
  }

  /** Forgets every segment and empties the file. Nothing may be reading it. */
  clear(): void {
    if (this.fd !== undefined) ftruncateSync(this.fd, 0);
    this.places.clear();
    this.end = 0;
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, `index-segments-${randomBytes(6).toString('hex')}`);
    this.fd = openSync(file, 'wx+', 0o600);
    unlinkSync(file);
    return this.fd;
  }

  private placeOf(key: string): Place {
    const place = this.places.get(key);
    if (!place) throw new Error(`the text of index segment ${key} is not in the segment file`);
    return place;
  }

  private readAt(at: number, size: number, data: Buffer): Promise<Buffer> {
    const fd = this.fd;
    return new Promise((resolve, reject) => {
      if (fd === undefined) return reject(new Error('the segment file holds nothing yet'));
      const step = (done: number) => {
        if (done === size) return resolve(data);
        read(fd, data, done, size - done, at + done, (error, n) => {
          if (error) reject(new Error('could not read the segment file', { cause: error }));
          else if (n === 0) reject(new Error(`the segment file ends before byte ${at + size}`));
          else step(done + n);
        });
      };
      step(0);
    });
  }
}

/**
 * The texts at `places` from the `first` on, read with blocking calls (a copy from the page
 * cache): views into one buffer of this reader's own, reused run after run (a fresh buffer
 * per read would be tens of megabytes of garbage per publish outside V8's heap, which makes
 * it collect the whole heap), each valid until the next is taken. Readers taking turns each
 * have their own buffer.
 */
export function* readPlaces({ fd, places }: SegmentPlaces, first: number): Generator<Buffer> {
  const buffer = Buffer.allocUnsafeSlow(READ_BYTES);
  const list: Place[] = [];
  for (let i = 2 * first; i < places.length; i += 2)
    list.push({ at: places[i]!, size: places[i + 1]! });
  for (const run of runsOf(list)) {
    const data = run.size <= buffer.length ? buffer : Buffer.allocUnsafe(run.size);
    for (let done = 0; done < run.size;) {
      const n = readSync(fd, data, done, run.size - done, run.at + done);
      if (n === 0) throw new Error(`the segment file ends before byte ${run.at + run.size}`);
      done += n;
    }
    let at = 0;
    for (const size of run.sizes) {
      yield data.subarray(at, at + size);
      at += size;
    }
  }
}

/** Runs of texts side by side in the file, READ_BYTES at most unless one is bigger. */
function runsOf(places: readonly Place[]) {
  const runs: { at: number; sizes: number[]; size: number }[] = [];
  for (const p of places) {
    const last = runs.at(-1);
    if (last && last.at + last.size === p.at && last.size + p.size <= READ_BYTES) {
      last.sizes.push(p.size);
      last.size += p.size;
    } else {
      runs.push({ at: p.at, sizes: [p.size], size: p.size });
    }
  }
  return runs;
}
