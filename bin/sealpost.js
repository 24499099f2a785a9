#!/usr/bin/env node
// Entry point for `npx sealpost` and `npm start`: loads the TypeScript sources through tsx
// so that operators run exactly the code in the repository, with no build step.
import { register } from 'tsx/esm/api';

// fsync, file I/O and Argon2 run on libuv's thread pool; its default of 4 threads would cap
// concurrent durable writes well below what the disk sustains.
process.env.UV_THREADPOOL_SIZE ??= '16';
register();
await import('../server/cli/main.ts');
