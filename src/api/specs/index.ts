import type { CallSpec } from '../call.js';
import { lsCall, pubKeyCall, searchCall, showCall, sourcesListCall } from './archive.js';
import { statusCall } from './status.js';

/** Every API call; the CLI makes one command of each. */
export const ALL_CALLS: readonly CallSpec[] = [
  statusCall,
  lsCall,
  showCall,
  searchCall,
  sourcesListCall,
  pubKeyCall,
] as readonly CallSpec[];
