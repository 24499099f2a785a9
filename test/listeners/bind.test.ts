// Binding a listener: port 0 gives back the port the system chose, and a port already
// taken rejects instead of leaving an unhandled 'error' event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { bindListener } from '../../server/listeners/bind.ts';

test('port 0 gives back the chosen port; a taken port rejects with its code', async () => {
  const first = createServer();
  const second = createServer();
  try {
    const port = await bindListener(first, 0, '127.0.0.1');
    assert.ok(port > 0);
    await assert.rejects(bindListener(second, port, '127.0.0.1'), (error: NodeJS.ErrnoException) => error.code === 'EADDRINUSE');
    assert.equal(second.listenerCount('error'), 0, 'no handler is left behind');
  } finally {
    await new Promise((resolve) => first.close(resolve));
  }
});
