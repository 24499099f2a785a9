// Entry of every worker thread of the pool (pool.ts). Workers do not inherit the main
// thread's TypeScript loader (bin/sealpost.js registers it by API), so each registers it
// itself, then exposes the tasks by name.
import { register } from 'tsx/esm/api';

register();
const tasks = await import('./tasks.ts');

export const authenticateSender = tasks.authenticateSender;
