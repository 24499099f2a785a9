// Bad input of every kind gets a CryptoError with the right code, never garbage: altered
// bytes, truncation, reordered or duplicated chunks, wrong keys, wrong purposes, unknown
// format bytes, malformed app secrets, bad arguments. On both backends.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CryptoErrorCode, KeySlotPurpose } from '../../crypto/api.ts';
import { LABELS } from '../../crypto/format.ts';
import { subkey } from '../../crypto/keys.ts';
import type { SodiumPrimitives } from '../../crypto/primitives.ts';
import { SECRETSTREAM_STATE_BYTES, SECRETSTREAM_TAG_FINAL, SECRETSTREAM_TAG_MESSAGE } from '../../crypto/primitives.ts';
import { assertCryptoError, assertRejectsCryptoError, concat, decryptBody, encryptBody, loadBackends, patternBytes, readerOf } from './helpers.ts';

const CHUNK = 65536;
const FULL_CHUNK = CHUNK + 17;
const HEADER = 25;

function flipped(bytes: Uint8Array, index: number, mask = 0x01): Uint8Array {
  const copy = bytes.slice();
  copy[index]! ^= mask;
  return copy;
}

/** Every single-byte alteration: the format byte gives UNSUPPORTED_VERSION, any other byte
 * AUTHENTICATION_FAILED. */
function assertEveryByteProtected(blob: Uint8Array, open: (blob: Uint8Array) => unknown, what: string): void {
  assertCryptoError(() => open(flipped(blob, 0, 0x80)), 'UNSUPPORTED_VERSION', `${what}: format byte`);
  for (let i = 1; i < blob.length; i++) assertCryptoError(() => open(flipped(blob, i)), 'AUTHENTICATION_FAILED', `${what}: byte ${i}`);
}

/** Every prefix is TRUNCATED; one extra byte is `longer` (MALFORMED for fixed-size blobs). */
function assertLengthChecked(blob: Uint8Array, open: (blob: Uint8Array) => unknown, longer: CryptoErrorCode, what: string): void {
  for (let length = 0; length < blob.length; length++) {
    assertCryptoError(() => open(blob.subarray(0, length)), 'TRUNCATED', `${what}: first ${length} bytes`);
  }
  assertCryptoError(() => open(concat([blob, Uint8Array.of(0)])), longer, `${what}: one byte more`);
}

/** A body with chunks of any size and tag, written with the real stream primitives. */
function craftBody(p: SodiumPrimitives, contentKey: Uint8Array, chunks: { size: number; tag: number }[]): Uint8Array {
  const header = p.randomBytes(24);
  const state = new Uint8Array(SECRETSTREAM_STATE_BYTES);
  p.secretstreamInitPull(state, header, subkey(p, LABELS.bodyKey, contentKey));
  return concat([Uint8Array.of(1), header, ...chunks.map(({ size, tag }) => p.secretstreamPush(state, patternBytes(size), tag))]);
}

const backends = await loadBackends();

for (const { name, primitives: p, crypto: c } of backends) {
  describe(`negative cases on ${name}`, () => {
    test('key slots: altered, truncated, extended, wrong kek, wrong purpose, unknown version', () => {
      const masterKey = c.newMasterKey();
      const kek = c.randomBytes(32);
      const slot = c.wrapKey(masterKey, kek, 'password');
      const open = (blob: Uint8Array) => c.unwrapKey(blob, kek, 'password');
      assertEveryByteProtected(slot, open, 'key slot');
      assertLengthChecked(slot, open, 'MALFORMED', 'key slot');
      assertCryptoError(() => c.unwrapKey(slot, c.randomBytes(32), 'password'), 'AUTHENTICATION_FAILED');
      for (const purpose of ['app-password', 'recovery'] as KeySlotPurpose[]) {
        assertCryptoError(() => c.unwrapKey(slot, kek, purpose), 'AUTHENTICATION_FAILED', purpose);
      }
      assertCryptoError(() => c.unwrapKey(flipped(slot, 0, 0x03), kek, 'password'), 'UNSUPPORTED_VERSION');
      assertCryptoError(() => c.unwrapKey(slot, kek, 'admin' as KeySlotPurpose), 'INVALID_ARGUMENT');
    });

    test('identity: altered, wrong master key, public key of another identity', () => {
      const masterKey = c.newMasterKey();
      const identity = c.newIdentity(masterKey);
      const open = (encryptedPrivateKey: Uint8Array) => c.openIdentity({ ...identity, encryptedPrivateKey }, masterKey);
      assertEveryByteProtected(identity.encryptedPrivateKey, open, 'encrypted private key');
      assertLengthChecked(identity.encryptedPrivateKey, open, 'MALFORMED', 'encrypted private key');
      assertCryptoError(() => c.openIdentity(identity, c.newMasterKey()), 'AUTHENTICATION_FAILED');
      const other = c.newIdentity(masterKey);
      assertCryptoError(() => c.openIdentity({ ...identity, publicKey: other.publicKey }, masterKey), 'AUTHENTICATION_FAILED');
      assertCryptoError(() => c.openIdentity({ ...identity, publicKey: new Uint8Array(31) }, masterKey), 'INVALID_ARGUMENT');
    });

    test('content keys: both forms altered and truncated, wrong mailbox, unknown form', () => {
      const masterKey = c.newMasterKey();
      const keys = c.openIdentity(c.newIdentity(masterKey), masterKey);
      const contentKey = c.newContentKey();
      const open = (blob: Uint8Array) => c.openContentKey(blob, keys);
      for (const blob of [c.sealContentKey(contentKey, keys.publicKey), c.wrapContentKey(contentKey, masterKey)]) {
        assertEveryByteProtected(blob, open, `content key form ${blob[0]}`);
        assertLengthChecked(blob, open, 'MALFORMED', `content key form ${blob[0]}`);
      }
      const otherMasterKey = c.newMasterKey();
      const otherKeys = c.openIdentity(c.newIdentity(otherMasterKey), otherMasterKey);
      assertCryptoError(() => c.openContentKey(c.sealContentKey(contentKey, keys.publicKey), otherKeys), 'AUTHENTICATION_FAILED');
      assertCryptoError(() => c.openContentKey(c.wrapContentKey(contentKey, masterKey), otherKeys), 'AUTHENTICATION_FAILED');
      assertCryptoError(() => open(new Uint8Array([0x03, ...new Uint8Array(72)])), 'UNSUPPORTED_VERSION');
      // A sealed key relabelled as wrapped fails on its length, not by decrypting garbage.
      assertCryptoError(() => open(flipped(c.sealContentKey(contentKey, keys.publicKey), 0, 0x03)), 'MALFORMED');
    });

    test('metadata and records: altered, truncated, wrong key, wrong label', () => {
      const contentKey = c.newContentKey();
      const metadata = c.encryptMetadata(contentKey, patternBytes(50));
      const openMetadata = (blob: Uint8Array) => c.decryptMetadata(contentKey, blob);
      assertEveryByteProtected(metadata, openMetadata, 'metadata');
      for (let length = 0; length < 41; length++) assertCryptoError(() => openMetadata(metadata.subarray(0, length)), 'TRUNCATED');
      assertCryptoError(() => openMetadata(metadata.subarray(0, 60)), 'AUTHENTICATION_FAILED');
      assertCryptoError(() => c.decryptMetadata(c.newContentKey(), metadata), 'AUTHENTICATION_FAILED');

      const key = c.randomBytes(32);
      const record = c.encryptRecord(key, 'spool', patternBytes(10));
      assertEveryByteProtected(record, (blob) => c.decryptRecord(key, 'spool', blob), 'record');
      assertCryptoError(() => c.decryptRecord(key, 'spoo', record), 'AUTHENTICATION_FAILED');
      assertCryptoError(() => c.decryptRecord(key, 'spool/x', record), 'AUTHENTICATION_FAILED');
      assertCryptoError(() => c.decryptRecord(c.randomBytes(32), 'spool', record), 'AUTHENTICATION_FAILED');
      assertCryptoError(() => c.encryptRecord(key, '', patternBytes(1)), 'INVALID_ARGUMENT');
    });

    test('body: every byte of a one-chunk body is protected', () => {
      const contentKey = c.newContentKey();
      const body = encryptBody(c, contentKey, patternBytes(100));
      assertEveryByteProtected(body, (blob) => decryptBody(c, contentKey, blob), 'body');
    });

    test('body: altered bytes across chunks, wrong key', async () => {
      const contentKey = c.newContentKey();
      const plaintext = patternBytes(3 * CHUNK + 10);
      const body = encryptBody(c, contentKey, plaintext);
      // The last chunk's state depends on the header and the first 8 bytes of every earlier
      // MAC, not on the rest of the earlier chunks, which a range read does not authenticate.
      const positions = [
        { position: 1, inTailState: true },
        { position: 24, inTailState: true },
        { position: HEADER, inTailState: false },
        { position: HEADER + 1000, inTailState: false },
        { position: HEADER + FULL_CHUNK - 16, inTailState: true },
        { position: HEADER + FULL_CHUNK - 9, inTailState: true },
        { position: HEADER + FULL_CHUNK - 8, inTailState: false },
        { position: HEADER + FULL_CHUNK + 5, inTailState: false },
        { position: HEADER + 3 * FULL_CHUNK - 12, inTailState: true },
        { position: body.length - 1, inTailState: true },
      ];
      const tail = [plaintext.length - 5, plaintext.length] as const;
      for (const { position, inTailState } of positions) {
        const altered = flipped(body, position);
        assertCryptoError(() => decryptBody(c, contentKey, altered), 'AUTHENTICATION_FAILED', `byte ${position}`);
        const readTail = () => c.decryptBodyRange(contentKey, readerOf(altered), altered.length, ...tail);
        if (inTailState) await assertRejectsCryptoError(readTail, 'AUTHENTICATION_FAILED', `range, byte ${position}`);
        else assert.deepEqual(await readTail(), plaintext.subarray(...tail));
      }
      assertCryptoError(() => decryptBody(c, c.newContentKey(), body), 'AUTHENTICATION_FAILED');
      await assertRejectsCryptoError(() => c.decryptBodyRange(c.newContentKey(), readerOf(body), body.length, 0, 10), 'AUTHENTICATION_FAILED');
    });

    test('body: truncation', async () => {
      const contentKey = c.newContentKey();
      const body = encryptBody(c, contentKey, patternBytes(2 * CHUNK + 1000));
      const cases: { length: number; code: CryptoErrorCode; what: string }[] = [
        { length: 0, code: 'TRUNCATED', what: 'empty' },
        { length: 10, code: 'TRUNCATED', what: 'inside the header' },
        { length: HEADER, code: 'TRUNCATED', what: 'header only' },
        { length: HEADER + FULL_CHUNK, code: 'TRUNCATED', what: 'final chunk missing (one chunk left)' },
        { length: HEADER + 2 * FULL_CHUNK, code: 'TRUNCATED', what: 'final chunk missing' },
        { length: HEADER + 2 * FULL_CHUNK + 16, code: 'TRUNCATED', what: 'cut 16 bytes into the final chunk' },
        { length: HEADER + FULL_CHUNK + 10, code: 'TRUNCATED', what: 'cut 10 bytes into a chunk' },
        { length: HEADER + FULL_CHUNK + 3000, code: 'AUTHENTICATION_FAILED', what: 'cut deep inside a chunk' },
        { length: body.length - 1, code: 'AUTHENTICATION_FAILED', what: 'last byte missing' },
      ];
      for (const { length, code, what } of cases) {
        assertCryptoError(() => decryptBody(c, contentKey, body.subarray(0, length)), code, what);
      }
      // A body cut at a chunk boundary has a plausible size; reading to its end finds no final tag.
      const cut = body.subarray(0, HEADER + 2 * FULL_CHUNK);
      await assertRejectsCryptoError(() => c.decryptBodyRange(contentKey, readerOf(cut), cut.length, 2 * CHUNK - 10, 2 * CHUNK), 'TRUNCATED');
      // A reader that returns less than the size it was promised.
      await assertRejectsCryptoError(() => c.decryptBodyRange(contentKey, readerOf(cut), body.length, 2 * CHUNK, 2 * CHUNK + 10), 'TRUNCATED');
      // Sizes no body can have.
      for (const size of [0, 24, 41, HEADER + FULL_CHUNK + 17, HEADER + FULL_CHUNK + 5]) {
        assertCryptoError(() => c.bodyPlaintextSize(size), 'MALFORMED', `size ${size}`);
        await assertRejectsCryptoError(() => c.decryptBodyRange(contentKey, readerOf(body), size, 0, 0), 'MALFORMED');
      }
    });

    test('body: reordered and duplicated chunks, data after the final chunk', () => {
      const contentKey = c.newContentKey();
      const body = encryptBody(c, contentKey, patternBytes(3 * CHUNK + 10));
      const header = body.subarray(0, HEADER);
      const chunk = (i: number) => body.subarray(HEADER + i * FULL_CHUNK, Math.min(HEADER + (i + 1) * FULL_CHUNK, body.length));
      const reordered = concat([header, chunk(1), chunk(0), chunk(2), chunk(3)]);
      const duplicated = concat([header, chunk(0), chunk(0), chunk(1), chunk(2), chunk(3)]);
      const finalDuplicated = concat([header, chunk(0), chunk(1), chunk(2), chunk(3), chunk(3)]);
      assertCryptoError(() => decryptBody(c, contentKey, reordered), 'AUTHENTICATION_FAILED');
      assertCryptoError(() => decryptBody(c, contentKey, duplicated), 'AUTHENTICATION_FAILED');
      // A short final chunk has no visible end: what follows it makes it fail to authenticate.
      assertCryptoError(() => decryptBody(c, contentKey, finalDuplicated), 'AUTHENTICATION_FAILED');
      assertCryptoError(() => decryptBody(c, contentKey, concat([body, Uint8Array.of(0)])), 'AUTHENTICATION_FAILED');
      // A full-size final chunk ends at a boundary: what follows it is data after the end.
      const fullFinal = encryptBody(c, contentKey, patternBytes(2 * CHUNK));
      const lastChunk = fullFinal.subarray(HEADER + FULL_CHUNK);
      assertCryptoError(() => decryptBody(c, contentKey, concat([fullFinal, Uint8Array.of(0)])), 'MALFORMED');
      assertCryptoError(() => decryptBody(c, contentKey, concat([fullFinal, lastChunk])), 'MALFORMED');
      // Another body's chunk under the same key does not fit either (its header differs).
      const other = encryptBody(c, contentKey, patternBytes(3 * CHUNK + 10));
      const spliced = concat([header, chunk(0), other.subarray(HEADER + FULL_CHUNK)]);
      assertCryptoError(() => decryptBody(c, contentKey, spliced), 'AUTHENTICATION_FAILED');
    });

    test('body: chunk grammar (short message chunk, foreign tags, empty final after full)', () => {
      const contentKey = c.newContentKey();
      const cases: { chunks: { size: number; tag: number }[]; code: CryptoErrorCode; what: string }[] = [
        { chunks: [{ size: 100, tag: SECRETSTREAM_TAG_MESSAGE }], code: 'MALFORMED', what: 'short message chunk at the end' },
        { chunks: [{ size: 100, tag: 1 }], code: 'MALFORMED', what: 'TAG_PUSH' },
        { chunks: [{ size: 100, tag: 2 }], code: 'MALFORMED', what: 'TAG_REKEY' },
        {
          chunks: [
            { size: CHUNK, tag: 1 },
            { size: 1, tag: SECRETSTREAM_TAG_FINAL },
          ],
          code: 'MALFORMED',
          what: 'full TAG_PUSH',
        },
        {
          chunks: [
            { size: CHUNK, tag: SECRETSTREAM_TAG_MESSAGE },
            { size: 0, tag: SECRETSTREAM_TAG_FINAL },
          ],
          code: 'MALFORMED',
          what: 'empty final chunk after a full one',
        },
        {
          chunks: [
            { size: 100, tag: SECRETSTREAM_TAG_MESSAGE },
            { size: 100, tag: SECRETSTREAM_TAG_FINAL },
          ],
          code: 'AUTHENTICATION_FAILED',
          what: 'short message chunk in the middle (read as part of a full chunk)',
        },
        { chunks: [{ size: CHUNK, tag: SECRETSTREAM_TAG_MESSAGE }], code: 'TRUNCATED', what: 'no final chunk' },
      ];
      for (const { chunks, code, what } of cases) {
        assertCryptoError(() => decryptBody(c, contentKey, craftBody(p, contentKey, chunks)), code, what);
      }
      const valid = craftBody(p, contentKey, [
        { size: CHUNK, tag: SECRETSTREAM_TAG_MESSAGE },
        { size: 1, tag: SECRETSTREAM_TAG_FINAL },
      ]);
      assert.equal(decryptBody(c, contentKey, valid).length, CHUNK + 1);
    });

    test('body: a final tag before the end is caught by range reads too', async () => {
      const contentKey = c.newContentKey();
      const early = craftBody(p, contentKey, [
        { size: CHUNK, tag: SECRETSTREAM_TAG_FINAL },
        { size: 5, tag: SECRETSTREAM_TAG_FINAL },
      ]);
      assertCryptoError(() => decryptBody(c, contentKey, early), 'MALFORMED');
      await assertRejectsCryptoError(() => c.decryptBodyRange(contentKey, readerOf(early), early.length, 0, 10), 'MALFORMED');
    });

    test('decryptors and encryptors refuse use after final or after an error', () => {
      const contentKey = c.newContentKey();
      const encryptor = c.createBodyEncryptor(contentKey);
      encryptor.final();
      assertCryptoError(() => encryptor.push(patternBytes(1)), 'INVALID_ARGUMENT');
      assertCryptoError(() => encryptor.final(), 'INVALID_ARGUMENT');
      const decryptor = c.createBodyDecryptor(contentKey);
      assertCryptoError(() => decryptor.push(Uint8Array.of(9)), 'UNSUPPORTED_VERSION');
      assertCryptoError(() => decryptor.push(Uint8Array.of(1)), 'INVALID_ARGUMENT');
    });

    test('app secrets: bad length or alphabet is MALFORMED and not quoted', () => {
      const appPassword = c.newAppPassword();
      const recovery = c.newRecoveryCode();
      const bad = [
        '',
        appPassword.slice(0, -1),
        `${appPassword}a`,
        recovery,
        appPassword.replace(/[a-z2-9]/, 'l'),
        appPassword.replace(/[a-z2-9]/, 'o'),
        appPassword.replace(/[a-z2-9]/, '0'),
        appPassword.replace(/[a-z2-9]/, '1'),
        appPassword.replace(/[a-z2-9]/, '_'),
        appPassword.replace(/[a-z2-9]/, 'é'),
        appPassword.replace(/-/g, '.'),
      ];
      for (const secret of bad) {
        assertCryptoError(() => c.deriveFromAppSecret(secret, 'app-password'), 'MALFORMED', JSON.stringify(secret));
        try {
          c.deriveFromAppSecret(secret, 'app-password');
        } catch (error) {
          if (secret) assert.ok(!(error as Error).message.includes(secret.replace(/-/g, '').slice(0, 8)));
        }
      }
      assertCryptoError(() => c.deriveFromAppSecret(appPassword, 'recovery'), 'MALFORMED');
      assertCryptoError(() => c.deriveFromAppSecret(recovery.slice(0, -2), 'recovery'), 'MALFORMED');
      assertCryptoError(() => c.deriveFromAppSecret(appPassword, 'master' as 'recovery'), 'INVALID_ARGUMENT');
    });

    test('error messages carry no key material', () => {
      const kek = c.randomBytes(32);
      const masterKey = c.newMasterKey();
      const slot = c.wrapKey(masterKey, kek, 'password');
      const messages: string[] = [];
      for (const attempt of [
        () => c.unwrapKey(slot, c.randomBytes(32), 'password'),
        () => c.unwrapKey(slot.subarray(0, 40), kek, 'password'),
        () => c.unwrapKey(flipped(slot, 0, 0x80), kek, 'password'),
      ]) {
        try {
          attempt();
        } catch (error) {
          messages.push((error as Error).message);
        }
      }
      assert.equal(messages.length, 3);
      for (const message of messages) {
        for (const secret of [kek, masterKey, slot.subarray(1, 25), slot.subarray(25)]) {
          assert.ok(!message.includes(Buffer.from(secret).toString('hex').slice(0, 8)), message);
          assert.ok(!message.includes(Buffer.from(secret).toString('base64').slice(0, 8)), message);
        }
      }
    });

    test('bad arguments are INVALID_ARGUMENT', async () => {
      const key = c.randomBytes(32);
      const salt = c.newPasswordSalt();
      const params = { algorithm: 'argon2id13', opsLimit: 1, memLimitBytes: 8192 } as const;
      assertCryptoError(() => c.wrapKey(new Uint8Array(31), key, 'password'), 'INVALID_ARGUMENT');
      assertCryptoError(() => c.wrapKey(key, new Uint8Array(33), 'password'), 'INVALID_ARGUMENT');
      assertCryptoError(() => c.encryptMetadata(new Uint8Array(16), patternBytes(1)), 'INVALID_ARGUMENT');
      assertCryptoError(() => c.encryptMetadata(key, 'text' as unknown as Uint8Array), 'INVALID_ARGUMENT');
      assertCryptoError(() => c.sealContentKey(key, new Uint8Array(0)), 'INVALID_ARGUMENT');
      assertCryptoError(() => c.createBodyEncryptor(new Uint8Array(0)), 'INVALID_ARGUMENT');
      assertCryptoError(() => c.fakeSalt(new Uint8Array(8), 'a@b'), 'INVALID_ARGUMENT');
      assertCryptoError(() => c.verifierOf(new Uint8Array(5)), 'INVALID_ARGUMENT');
      assertCryptoError(() => c.randomBytes(-1), 'INVALID_ARGUMENT');
      assertCryptoError(() => c.bodyCiphertextSize(1.5), 'INVALID_ARGUMENT');
      await assertRejectsCryptoError(() => c.deriveFromPassword('pw', new Uint8Array(8), params), 'INVALID_ARGUMENT');
      for (const bad of [
        { ...params, algorithm: 'argon2i13' },
        { ...params, opsLimit: 0 },
        { ...params, opsLimit: 1.5 },
        { ...params, memLimitBytes: 4096 },
        { ...params, memLimitBytes: 8193 },
        { ...params, memLimitBytes: 4 * 1024 * 1024 * 1024 },
      ]) {
        await assertRejectsCryptoError(() => c.deriveFromPassword('pw', salt, bad as typeof params), 'INVALID_ARGUMENT', JSON.stringify(bad));
      }
      const body = encryptBody(c, key, patternBytes(10));
      for (const [start, end] of [
        [5, 4],
        [0, 11],
        [-1, 3],
        [0.5, 3],
      ] as const) {
        await assertRejectsCryptoError(() => c.decryptBodyRange(key, readerOf(body), body.length, start, end), 'INVALID_ARGUMENT', `[${start}, ${end})`);
      }
      await assertRejectsCryptoError(() => c.decryptBodyRange(key, async () => concat([body, body]), body.length, 0, 10), 'INVALID_ARGUMENT');
    });
  });
}
