import type { CallSpec } from '../call.js';
import { dputConfCall } from './dput-conf.js';
import { statusCall } from './status.js';

/** Every API call; the CLI makes one command of each. */
export const ALL_CALLS: readonly CallSpec[] = [statusCall, dputConfCall] as readonly CallSpec[];
