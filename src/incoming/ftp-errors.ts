import * as ftpSrv from 'ftp-srv';

type FtpErrorClass = new (message: string, code?: number) => Error;

// ftp-srv's typings declare its error classes as named exports, but at run time they
// live under `ftpErrors`; ftp-srv turns their `code` into the FTP reply code.
const errors = (ftpSrv as unknown as { ftpErrors: Record<string, FtpErrorClass> }).ftpErrors;

export const FileSystemError: FtpErrorClass = errors.FileSystemError!;
export const ConnectorError: FtpErrorClass = errors.ConnectorError!;
