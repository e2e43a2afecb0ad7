import type { CallSpec } from '../call.js';
import { chrootCreateCall, chrootListCall, chrootRemoveCall, chrootUpdateCall } from './chroots.js';
import { statusCall } from './status.js';

/** Every API call; the CLI makes one command of each. */
export const ALL_CALLS: readonly CallSpec[] = [
  statusCall,
  chrootListCall,
  chrootCreateCall,
  chrootUpdateCall,
  chrootRemoveCall,
] as readonly CallSpec[];
