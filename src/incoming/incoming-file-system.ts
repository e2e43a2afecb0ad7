import path from 'node:path';
import { FileSystem, type FtpConnection } from 'ftp-srv';
import { ConflictError } from '../shared/errors.js';
import type { FtpRefusal } from './ftp-commands.js';
import { FileSystemError } from './ftp-errors.js';
import { UPLOAD_FILE_NAME, type IncomingArea } from './incoming-area.js';
import type { IncomingSpace } from './incoming-space.js';
import { UploadStream } from './upload-stream.js';

export const INCOMING_DIR = '/incoming';

export interface IncomingFileSystemOptions {
  area: IncomingArea;
  /** The incoming's bound as a whole (total bytes, free disk), shared by all sessions. */
  space: IncomingSpace;
  maxFileBytes: number;
  maxSessionBytes: number;
  idleTimeoutSeconds: number;
  /** Why new uploads are refused right now (the incoming is paused), or null. */
  paused?: () => string | null;
}

/** What this code uses of ftp-srv's connection beyond its typings. */
interface ConnectionInternals {
  commandSocket?: { setTimeout(ms: number): void };
  connector?: { socket?: NodeJS.EventEmitter | null };
}

/**
 * What an anonymous FTP session sees: `/` holding the folder `/incoming`, where files
 * may be uploaded, once each. Nothing can be read back, listed (but the session's own
 * uploads), deleted, renamed, replaced, appended to or created elsewhere; client paths
 * are resolved in this virtual tree, so none ever reaches outside the incoming.
 */
export class IncomingFileSystem extends FileSystem {
  private folder = '/';
  private sessionBytes = 0;
  private lastTimerRefresh = 0;
  private readonly uploaded = new Map<string, { size: number; mtime: Date }>();
  private readonly receiving = new Set<UploadStream>();

  constructor(
    private readonly ftp: FtpConnection,
    private readonly options: IncomingFileSystemOptions,
  ) {
    super(ftp, { root: options.area.dir, cwd: '/' });
  }

  override currentDirectory(): string {
    return this.folder;
  }

  override async chdir(target = '.'): Promise<string> {
    const resolved = this.resolve(target);
    if (resolved !== '/' && resolved !== INCOMING_DIR) {
      throw new FileSystemError(`No such folder ${resolved}; uploads go to ${INCOMING_DIR}`, 550);
    }
    this.folder = resolved;
    return resolved;
  }

  override async get(fileName: string): Promise<unknown> {
    const resolved = this.resolve(fileName);
    if (resolved === '/' || resolved === INCOMING_DIR) return directoryStat(resolved);
    const own =
      path.posix.dirname(resolved) === INCOMING_DIR && this.uploaded.get(basename(resolved));
    if (own) return fileStat(basename(resolved), own.size, own.mtime);
    throw new FileSystemError(`No such file ${resolved}`, 550);
  }

  override async list(target = '.'): Promise<unknown[]> {
    const resolved = this.resolve(target);
    if (resolved === '/') return [directoryStat('incoming')];
    if (resolved === INCOMING_DIR) {
      return [...this.uploaded].map(([name, f]) => fileStat(name, f.size, f.mtime));
    }
    throw new FileSystemError(`No such folder ${resolved}`, 550);
  }

  /**
   * Why an upload cannot start: 450 while paused; 553 for a name that is not allowed or
   * taken (dput leaves such a file and goes on); 552 while the incoming is full.
   */
  async refuseUpload(fileName: string, restart: boolean): Promise<FtpRefusal | null> {
    // 450: a transient refusal, the client may try again later.
    const paused = this.options.paused?.();
    if (paused) return { code: 450, message: paused };
    const refusal = this.uploadProblem(fileName, restart);
    if (refusal) return { code: 553, message: refusal };
    const name = basename(this.resolve(fileName));
    if (await this.options.area.isTaken(name)) {
      return {
        code: 553,
        message: `${name} exists already; files in the incoming are never replaced`,
      };
    }
    const full = await this.options.space.refusal();
    if (full) return { code: 552, message: full };
    return null;
  }

  override async write(
    fileName: string,
    { append = false, start }: { append?: boolean; start?: unknown } = {},
  ): Promise<{ stream: UploadStream; clientPath: string }> {
    const paused = this.options.paused?.();
    if (paused) throw new FileSystemError(paused, 450);
    const resolved = this.resolve(fileName);
    const name = basename(resolved);
    const problem = this.uploadProblem(
      fileName,
      append || (typeof start === 'number' && start > 0),
    );
    if (problem) throw new FileSystemError(problem, 553);
    const partial = await this.options.area.begin(name).catch((error: unknown) => {
      throw error instanceof ConflictError ? new FileSystemError(error.message, 553) : error;
    });
    const stream = this.receive(partial);
    return { stream, clientPath: resolved };
  }

  override async read(): Promise<never> {
    throw new FileSystemError('Downloading is not possible here', 550);
  }

  override async delete(): Promise<never> {
    throw new FileSystemError('Deleting files is not possible here', 550);
  }

  override async mkdir(): Promise<never> {
    throw new FileSystemError('Creating folders is not possible here', 550);
  }

  override async rename(): Promise<never> {
    throw new FileSystemError('Renaming files is not possible here', 550);
  }

  override async chmod(): Promise<never> {
    throw new FileSystemError('Changing modes is not possible here', 550);
  }

  override getUniqueName(): string {
    throw new FileSystemError('STOU is not possible here; use STOR', 550);
  }

  private uploadProblem(fileName: string, restart: boolean): string | null {
    const resolved = this.resolve(fileName);
    const name = basename(resolved);
    if (path.posix.dirname(resolved) !== INCOMING_DIR) {
      return `Files can only be uploaded into ${INCOMING_DIR}`;
    }
    if (!UPLOAD_FILE_NAME.test(name)) {
      return `File name not allowed: ${name} (use letters, digits and . + ~ _ -, starting with a letter or digit)`;
    }
    if (restart) return 'Appending or resuming is not possible; upload whole files';
    return null;
  }

  /** The session ended: throw away whatever it was still sending. */
  close(): void {
    for (const stream of this.receiving) {
      stream.destroy(new FileSystemError('The session closed before the file was complete', 426));
    }
  }

  private receive(partial: Parameters<IncomingArea['commit']>[0]): UploadStream {
    const { maxFileBytes, maxSessionBytes } = this.options;
    const stream = new UploadStream({
      area: this.options.area,
      space: this.options.space,
      partial,
      maxFileBytes,
      maxSessionBytes,
      sessionBytesLeft: maxSessionBytes - this.sessionBytes,
      onBytes: (count) => {
        this.sessionBytes += count;
        this.refreshIdleTimer();
      },
      onCommitted: (name) => {
        this.uploaded.set(name, { size: stream.size, mtime: new Date() });
      },
    });
    this.receiving.add(stream);
    stream.once('finish', () => this.receiving.delete(stream));
    stream.once('error', () => this.receiving.delete(stream));
    stream.watch((this.ftp as unknown as ConnectionInternals).connector?.socket);
    return stream;
  }

  /** ftp-srv's idle timer watches the control connection only; data counts as activity. */
  private refreshIdleTimer(): void {
    const now = Date.now();
    if (now - this.lastTimerRefresh < 1000) return;
    this.lastTimerRefresh = now;
    (this.ftp as unknown as ConnectionInternals).commandSocket?.setTimeout(
      this.options.idleTimeoutSeconds * 1000,
    );
  }

  /** A client path resolved against the session's folder, in the virtual tree. */
  private resolve(clientPath: string): string {
    return path.posix.resolve(this.folder, clientPath.replace(/\\/g, '/'));
  }
}

function basename(resolved: string): string {
  return path.posix.basename(resolved);
}

function directoryStat(name: string) {
  return {
    name,
    isDirectory: () => true,
    mode: 0o40555,
    size: 0,
    mtime: new Date(),
    uid: 0,
    gid: 0,
  };
}

function fileStat(name: string, size: number, mtime: Date) {
  return { name, isDirectory: () => false, mode: 0o100444, size, mtime, uid: 0, gid: 0 };
}
