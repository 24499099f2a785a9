// Messages in the worker: metadata records opened (and sealed content keys rewrapped for
// the server to keep), bodies decrypted and parsed, and messages the user wrote encrypted
// with their MIME summary for upload. The summary comes from mime/ itself, bundled
// into the worker, so the server, IMAP and the browser agree byte for byte on structure.
import type { SealpostCrypto } from '../../../../crypto/api.ts';
import { decodeMetadata, encodeMetadata } from '../../../../mime/metadata.ts';
import { normalizeLineEndings } from '../../../../mime/line-endings.ts';
import { fromBase64, toBase64 } from '../../../../shared/base64.ts';
import { parseMessage as parse } from './message-parser.ts';
import type { MessageSummary } from '../../../../mime/types.ts';
import type { EncryptedRecord, ParsedMessage, UploadCiphertext } from './protocol.ts';
import { vault } from './vault.ts';

export function openMetadata(crypto: SealpostCrypto, records: readonly EncryptedRecord[]) {
  const keys = vault.keys();
  const summaries: { uid: number; summary: MessageSummary }[] = [];
  const rewraps: { uid: number; previous: string; contentKey: string }[] = [];
  const failed: number[] = [];
  for (const record of records) {
    let contentKey: Uint8Array | undefined;
    try {
      const wrapped = fromBase64(record.contentKey);
      contentKey = crypto.openContentKey(wrapped, keys);
      if (crypto.isSealedContentKey(wrapped)) {
        rewraps.push({ uid: record.uid, previous: record.contentKey, contentKey: toBase64(crypto.wrapContentKey(contentKey, keys.masterKey)) });
      }
      summaries.push({ uid: record.uid, summary: decodeMetadata(crypto.decryptMetadata(contentKey, fromBase64(record.metadata))).summary });
    } catch {
      // A record that does not open is shown as unreadable; the others still are.
      failed.push(record.uid);
    } finally {
      crypto.wipe(contentKey);
    }
  }
  return { summaries, rewraps, failed };
}

export function decryptBody(crypto: SealpostCrypto, contentKey: string, ciphertext: ArrayBuffer): Uint8Array {
  const key = crypto.openContentKey(fromBase64(contentKey), vault.keys());
  try {
    const decryptor = crypto.createBodyDecryptor(key);
    const head = decryptor.push(new Uint8Array(ciphertext));
    const tail = decryptor.final();
    const plaintext = new Uint8Array(head.length + tail.length);
    plaintext.set(head);
    plaintext.set(tail, head.length);
    return plaintext;
  } finally {
    crypto.wipe(key);
  }
}

export async function parseMessage(crypto: SealpostCrypto, contentKey: string, ciphertext: ArrayBuffer): Promise<ParsedMessage> {
  return parse(decryptBody(crypto, contentKey, ciphertext));
}

export async function encryptMessage(crypto: SealpostCrypto, message: ArrayBuffer): Promise<UploadCiphertext> {
  const { createMessageAnalyzer } = await import('../../../../mime/structure.ts');
  const keys = vault.keys();
  const contentKey = crypto.newContentKey();
  try {
    const analyzer = createMessageAnalyzer();
    const encryptor = crypto.createBodyEncryptor(contentKey);
    const pieces: Uint8Array[] = [];
    // Stored mail is CRLF (mime/line-endings.ts); the server cannot fix what it
    // cannot read, so the browser normalises before it encrypts.
    for await (const chunk of normalizeLineEndings(once(new Uint8Array(message)))) {
      analyzer.push(chunk);
      pieces.push(encryptor.push(chunk));
    }
    pieces.push(encryptor.final());
    const body = new Uint8Array(pieces.reduce((total, piece) => total + piece.length, 0));
    let offset = 0;
    for (const piece of pieces) {
      body.set(piece, offset);
      offset += piece.length;
    }
    return {
      contentKey: toBase64(crypto.wrapContentKey(contentKey, keys.masterKey)),
      metadata: toBase64(crypto.encryptMetadata(contentKey, encodeMetadata(analyzer.finish()))),
      body: toBase64(body),
    };
  } finally {
    crypto.wipe(contentKey);
  }
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
