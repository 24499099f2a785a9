// The in-memory store must honour the same contract as LevelDB + files, or tests written
// against it would prove nothing about production.

import { openMemoryStore } from '../../server/store/open.ts';
import { runStoreConformance } from './conformance.ts';

runStoreConformance({
  name: 'memory',
  open: async () => openMemoryStore(),
  blobsOutsideMemory: false,
});
