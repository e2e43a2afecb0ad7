// The FTPS certificate and key (ftp.tls_cert, ftp.tls_key), read at start with a clear
// error when one cannot be read.
import { readFileSync } from 'node:fs';
import type { Settings } from '../config/settings.js';
import { InvalidInputError } from '../shared/errors.js';

export function readFtpTls(tls: Settings['ftp']['tls']): { cert: string; key: string } | null {
  if (!tls) return null;
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new InvalidInputError(
        `cannot read the FTPS ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'}); fix ftp.tls_cert/ftp.tls_key`,
        { cause: error },
      );
    }
  };
  return { cert: read(tls.certFile, 'certificate'), key: read(tls.keyFile, 'private key') };
}
