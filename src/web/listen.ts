import type { Server } from 'node:net';
import { formatListenAddress, type ListenAddress } from '../config/listen-address.js';
import { AppError } from '../shared/errors.js';

/**
 * Starts a server listening and resolves once it does; an address in use or not
 * available is an error that names the address and the flag to change it.
 */
export function listenOn(
  server: Server,
  address: ListenAddress,
  what: string,
  flag: string,
): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const shown = formatListenAddress(address);
      const reason =
        error.code === 'EADDRINUSE'
          ? `${what} address ${shown} is already in use by another program; stop it or pass ${flag} HOST:PORT`
          : error.code === 'EADDRNOTAVAIL'
            ? `${what} address ${shown} is not an address of this host; pass ${flag} HOST:PORT`
            : error.code === 'EACCES'
              ? `${what} port ${address.port} needs privileges; pass ${flag} with a port above 1023`
              : `cannot listen on ${what} address ${shown}: ${error.message}`;
      reject(new AppError('unavailable', reason, { cause: error }));
    };
    const onListening = () => {
      server.off('error', onError);
      const bound = server.address();
      resolve(
        typeof bound === 'object' && bound ? { host: address.host, port: bound.port } : address,
      );
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(address.port, address.host);
  });
}

/** Closes a server: stops accepting, then ends idle keep-alive connections. */
export function closeServer(
  server: Server & { closeIdleConnections?: () => void; closeAllConnections?: () => void },
  graceMs = 3000,
): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections?.(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections?.();
  });
}
