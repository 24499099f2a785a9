// DKIM signing while a submitted message streams through: the body hash is computed chunk by
// chunk, so a 20 MB message is never held whole in memory. The signature header comes out at
// the end and is stored (sealed) with the queue entry; delivery sends it before the message.
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import type { DkimKey } from './keys.ts';

export interface StreamingDkimSigner {
  write(chunk: Uint8Array): Promise<void>;
  /** The DKIM-Signature header field, CRLF-terminated. */
  finish(): Promise<string>;
  /** Stops signing (the message was refused). */
  abort(): void;
}

export class DkimSigningError extends Error {
  readonly code = 'DKIM_SIGNING_FAILED';
}

export function startDkimSignature(key: DkimKey, signTime: Date): StreamingDkimSigner {
  const input = new PassThrough();
  const signature = { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKeyPem, algorithm: 'rsa-sha256' };
  // mailauth signs with the entries of signatureData; its type declaration also requires the
  // same fields at the top level, where the code ignores them.
  const signed = dkimSign(input, { ...signature, canonicalization: 'relaxed/relaxed', signTime, signatureData: [signature] });
  // Observed once here so that an early failure is not an unhandled rejection; finish()
  // reports it.
  signed.catch(() => undefined);
  return {
    async write(chunk) {
      // A signer that failed stops reading; its settled promise ends the wait for 'drain'.
      if (!input.write(chunk)) await Promise.race([once(input, 'drain'), signed]);
    },
    async finish() {
      input.end();
      const result = await signed;
      if (result.errors?.length || !result.signatures.trim()) {
        throw new DkimSigningError(`DKIM signing for ${key.domain} failed: ${String(result.errors?.[0] ?? 'no signature produced')}`);
      }
      return result.signatures;
    },
    abort() {
      input.destroy();
    },
  };
}
