import { FileSystem, type FtpConnection } from 'ftp-srv';
import { FileSystemError } from './ftp-errors.js';

/**
 * The file system of a session while no upload area is attached: an empty root, every
 * change refused. The incoming processor replaces it with the upload area.
 */
export class ClosedFileSystem extends FileSystem {
  constructor(connection: FtpConnection) {
    super(connection, { root: '/nonexistent', cwd: '/' });
  }

  override currentDirectory(): string {
    return '/';
  }

  override async get(fileName: string): Promise<unknown> {
    if (fileName === '/' || fileName === '.') return directoryStat('/');
    throw new FileSystemError('No such file or directory', 550);
  }

  override async list(): Promise<unknown[]> {
    return [];
  }

  override async chdir(path = '.'): Promise<string> {
    if (path === '/' || path === '.') return '/';
    throw new FileSystemError('No such directory', 550);
  }

  override write(): never {
    throw new FileSystemError('Uploads are not accepted here', 553);
  }

  override async read(): Promise<never> {
    throw new FileSystemError('Reading files is not allowed', 550);
  }

  override async delete(): Promise<never> {
    throw new FileSystemError('Deleting files is not allowed', 550);
  }

  override async mkdir(): Promise<never> {
    throw new FileSystemError('Creating folders is not allowed', 550);
  }

  override async rename(): Promise<never> {
    throw new FileSystemError('Renaming files is not allowed', 550);
  }

  override async chmod(): Promise<never> {
    throw new FileSystemError('Changing modes is not allowed', 550);
  }
}

function directoryStat(name: string) {
  const now = new Date();
  return {
    name,
    isDirectory: () => true,
    mode: 0o40555,
    size: 0,
    mtime: now,
    uid: 0,
    gid: 0,
  };
}
