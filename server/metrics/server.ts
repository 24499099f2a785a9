// SECURITY: the metrics listener serves Prometheus on its own port, bound to the loopback
// interface by default (config metrics.listenAddress): it is for the operator's monitoring,
// not for the internet. It answers GET /metrics and nothing else, holds no secret, reads
// nothing from requests, and logs no request (so no client address is ever written).
import { createServer } from 'node:http';
import type { RunningListener } from '../listeners/bind.ts';
import type { MetricsCollector } from './collect.ts';
import { EXPOSITION_CONTENT_TYPE, renderMetrics } from './exposition.ts';

export async function startMetrics(options: { collector: MetricsCollector; host: string; port: number }): Promise<RunningListener> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('only GET /metrics is served here\n');
      return;
    }
    options.collector.collect().then(
      (metrics) => response.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE }).end(renderMetrics(metrics)),
      () => response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics are unavailable\n'),
    );
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
