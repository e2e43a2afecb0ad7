import type { CallSpec } from '../call.js';
import { statusCall } from './status.js';

/** Every API call; the CLI makes one command of each. */
export const ALL_CALLS: readonly CallSpec[] = [statusCall] as readonly CallSpec[];
