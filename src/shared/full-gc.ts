import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, now. V8 collects its old generation when it grows past a
 * limit set from what the last collection kept: once a long task's working set (a bulk
 * install's hundreds of megabytes) is garbage, the next task allocates on top of it until
 * that limit. The collector is V8's `gc`, exposed in a fresh context for the call (as
 * `--expose-gc` would), then hidden again.
 */
export function collectHeap(): void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed();
  setFlagsFromString('--expose-gc');
  try {
    (runInNewContext('gc') as () => void)();
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
