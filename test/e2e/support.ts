// End-to-end support: the whole service in process (HTTPS web, MX, IMAP …) and Debian's
// Chromium driven by playwright-core, each browser with a fresh profile, with every request
// and response it makes recorded for the privacy assertions, and screenshots saved under
// artifacts/.
import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/lib/chromium.ts';

/** The service as the browser tests need it: HTTPS web, MX, IMAP and submission on ephemeral
 * ports, and a proof of work a test solves in milliseconds. */
export const E2E_SERVICE_SETTINGS = [
  'web.enabled=true',
  'web.port=0',
  'web.signupProofOfWorkBits=8',
  'imap.port=0',
  'imap.tlsPort=0',
  'pop3.enabled=false',
  'smtp.submission.port=0',
  'smtp.submissions.port=0',
];
export const ARTIFACTS = resolve(fileURLToPath(new URL('../../artifacts/', import.meta.url)));

export interface RecordedExchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: Buffer;
  status: number | null;
  responseHeaders: Record<string, string>;
  responseBody: Buffer;
  failure: string | null;
}

export interface Browsing {
  context: BrowserContext;
  page: Page;
  /** Every request of every page and worker of this browser, with its response. */
  network: RecordedExchange[];
  /** Waits until every response seen so far has its body recorded. */
  settle(): Promise<void>;
  /** Messages the pages wrote to the console (errors show broken screens early). */
  console: string[];
  close(): Promise<void>;
}

export async function openBrowser(options: BrowserContextOptions = {}): Promise<Browsing> {
  const { context, close } = await launchChromium(options);
  const network: RecordedExchange[] = [];
  const pending: Promise<unknown>[] = [];
  const consoleLines: string[] = [];
  context.on('request', (request) => {
    const exchange: RecordedExchange = {
      method: request.method(),
      url: request.url(),
      requestHeaders: {},
      requestBody: request.postDataBuffer() ?? Buffer.alloc(0),
      status: null,
      responseHeaders: {},
      responseBody: Buffer.alloc(0),
      failure: null,
    };
    network.push(exchange);
    pending.push(
      request
        .allHeaders()
        .then((headers) => {
          exchange.requestHeaders = headers;
        })
        .catch(() => undefined),
      request
        .response()
        .then(async (response) => {
          if (!response) return;
          exchange.status = response.status();
          exchange.responseHeaders = await response.allHeaders();
          // A live event stream never ends; its events are checked where they are used.
          if (!String(exchange.responseHeaders['content-type']).startsWith('text/event-stream'))
            exchange.responseBody = await response.body().catch(() => Buffer.alloc(0));
        })
        .catch(() => undefined),
    );
  });
  context.on('requestfailed', (request) => {
    const exchange = network.findLast((candidate) => candidate.url === request.url());
    if (exchange) exchange.failure = request.failure()?.errorText ?? 'failed';
  });
  context.on('console', (message) => consoleLines.push(`${message.type()}: ${message.text()}`));
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    network,
    console: consoleLines,
    async settle() {
      await Promise.all(pending);
    },
    close,
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

/** A web server standing for "the rest of the internet": anything a hostile message makes
 * the browser load would arrive here. */
export async function startTattletale(): Promise<{ origin: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'image/gif' }).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

/** Every encoding in which a secret could travel: raw bytes, base64, base64url, hex, and
 * for text also URL-escaped (payloadsOf adds base64 inside JSON). */
export function encodingsOf(secret: Uint8Array | string): (string | Uint8Array)[] {
  if (typeof secret === 'string') return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')];
  const bytes = Buffer.from(secret);
  return [secret, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, '')];
}

/** A body as sent, plus every base64 string inside it decoded: plaintext must not hide in
 * base64 either (the API carries binary values as base64). */
export function payloadsOf(body: Buffer): Buffer[] {
  const payloads = [body];
  const text = body.toString('utf8');
  for (const match of text.matchAll(/"([A-Za-z0-9+/]{24,}={0,2})"/g)) payloads.push(Buffer.from(match[1]!, 'base64'));
  return payloads;
}

const contains = (payloads: Buffer[], needle: string | Uint8Array) =>
  payloads.some((payload) => payload.includes(typeof needle === 'string' ? needle : Buffer.from(needle)));

/** Where in the recorded traffic a needle occurs, as "body of POST https://…/api/…". */
export function findInRequests(network: readonly RecordedExchange[], needle: string | Uint8Array): string[] {
  const found: string[] = [];
  const text = typeof needle === 'string' ? needle : Buffer.from(needle).toString('latin1');
  for (const exchange of network) {
    const where = `${exchange.method} ${exchange.url}`;
    if (exchange.url.includes(text)) found.push(`URL of ${where}`);
    if (Object.entries(exchange.requestHeaders).some(([name, value]) => name.includes(text) || value.includes(text))) found.push(`headers of ${where}`);
    if (contains(payloadsOf(exchange.requestBody), needle)) found.push(`body of ${where}`);
  }
  return found;
}

export function findInResponses(network: readonly RecordedExchange[], needle: string | Uint8Array): string[] {
  return network.filter((exchange) => contains(payloadsOf(exchange.responseBody), needle)).map((exchange) => `response of ${exchange.method} ${exchange.url}`);
}
