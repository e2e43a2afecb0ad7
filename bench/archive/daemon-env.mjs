import process from 'node:process';

// debyard's processes in the benches run as the daemon does: its launchers (npm start, the
// Debian package's /usr/bin/debyard) set MALLOC_ARENA_MAX=2 unless it is set already.
export const DAEMON_ENV = { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' };
