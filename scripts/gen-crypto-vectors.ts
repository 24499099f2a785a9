// Regenerates test/vectors/crypto-v1.json, the test vectors that pin crypto/FORMAT.md.
//
//   node --import tsx scripts/gen-crypto-vectors.ts
//
// Every input, including the values the API would draw at random (nonces, salts, stream
// headers, private keys), is derived from a fixed name with SHAKE-256, so the output is the
// same on every run. The one exception is crypto_box_seal, whose ephemeral key libsodium
// draws internally: a sealed vector is recorded once and kept while it still opens.

import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { AppSecretKind, KeySlotPurpose, PasswordKdfParams } from '../crypto/api.ts';
import { loadNativePrimitives } from '../crypto/backends/native.ts';
import { deriveFromAppSecret, formatAppSecret } from '../crypto/app-secret.ts';
import { BODY_CHUNK_SIZE, createBodyEncryptorWithHeader } from '../crypto/body-stream.ts';
import { identityFromPrivateKey } from '../crypto/identity.ts';
import { wrapKeyWithNonce } from '../crypto/key-slot.ts';
import { DEFAULT_PASSWORD_KDF_PARAMS, deriveFromPassword, fakeSalt, serverTag, subkey } from '../crypto/keys.ts';
import { encryptMetadataWithNonce, sealContentKey, wrapContentKeyWithNonce } from '../crypto/message.ts';
import { encryptRecordWithNonce } from '../crypto/record.ts';
import { createSealpostCrypto } from '../crypto/sealpost.ts';
import { LABELS } from '../crypto/format.ts';
import { concat, fromHex, patternBytes, toHex } from '../test/crypto/helpers.ts';

const OUTPUT = fileURLToPath(new URL('../test/vectors/crypto-v1.json', import.meta.url));
/** Bodies up to this size are stored in full; larger ones by SHA-256 to keep the file small. */
const FULL_BODY_MAX_BYTES = 1024;
/** Fast Argon2id cost for most password vectors; one more uses the defaults. */
const SMALL_PASSWORD_PARAMS: PasswordKdfParams = { algorithm: 'argon2id13', opsLimit: 1, memLimitBytes: 8 * 1024 * 1024 };

function fixed(name: string, length: number): Uint8Array {
  return new Uint8Array(createHash('shake256', { outputLength: length }).update(`sealpost test vector: ${name}`).digest());
}

interface SealedVector {
  contentKey: string;
  publicKey: string;
  privateKey: string;
  sealed: string;
}

async function previousSealedVectors(): Promise<SealedVector[]> {
  try {
    const previous = JSON.parse(await readFile(OUTPUT, 'utf8')) as { sealedContentKey?: SealedVector[] };
    return previous.sealedContentKey ?? [];
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const p = await loadNativePrimitives();
  const crypto = createSealpostCrypto(p);

  const subkeyLabels = [
    LABELS.authKey,
    LABELS.kek,
    LABELS.verifier,
    LABELS.identityKey,
    LABELS.contentKeyWrap,
    LABELS.metadataKey,
    LABELS.bodyKey,
    LABELS.searchIndexKey,
    LABELS.searchIndexName,
  ];
  const subkeys = subkeyLabels.map((label) => {
    const key = fixed(`subkey ${label}`, 32);
    return { label, key: toHex(key), output: toHex(subkey(p, label, key)) };
  });

  const passwordCases: { password: string; params: PasswordKdfParams }[] = [
    { password: 'correct horse battery staple', params: SMALL_PASSWORD_PARAMS },
    { password: '', params: SMALL_PASSWORD_PARAMS },
    { password: 'Gr\u00fc\u00dfe, J\u00fcrgen \u2014 \u{1F510}', params: SMALL_PASSWORD_PARAMS },
    // The same password decomposed (NFD): must derive the same keys as the vector above.
    { password: 'Gru\u0308\u00dfe, Ju\u0308rgen \u2014 \u{1F510}', params: SMALL_PASSWORD_PARAMS },
    { password: 'correct horse battery staple', params: { algorithm: 'argon2id13', opsLimit: 2, memLimitBytes: 16 * 1024 * 1024 } },
    { password: 'correct horse battery staple', params: DEFAULT_PASSWORD_KDF_PARAMS },
  ];
  const passwords = [];
  for (const [index, { password, params }] of passwordCases.entries()) {
    const salt = fixed(`password salt ${index < 4 ? 0 : index}`, 16);
    const derived = await deriveFromPassword(p, password, salt, params);
    passwords.push({
      password,
      salt: toHex(salt),
      opsLimit: params.opsLimit,
      memLimitBytes: params.memLimitBytes,
      authKey: toHex(derived.authKey),
      kek: toHex(derived.kek),
      verifier: toHex(derived.verifier),
    });
  }

  const fakeSalts = ['alice@example.org', 'ALICE@Example.ORG', 'bob@example.org'].map((address) => {
    const serverSecret = fixed('fake salt server secret', 32);
    return { serverSecret: toHex(serverSecret), address, salt: toHex(fakeSalt(p, serverSecret, address)) };
  });
  const serverTags = [
    ['device-cookie', 'alice@example.org\u00001800000000'],
    ['payment-code', 'K7QX-93FD'],
  ].map(([purpose, message]) => {
    const serverSecret = fixed('fake salt server secret', 32);
    return { serverSecret: toHex(serverSecret), purpose: purpose!, message: message!, tag: toHex(serverTag(p, serverSecret, purpose!, message!)) };
  });

  const appSecrets = (['app-password', 'recovery', 'app-password'] as AppSecretKind[]).map((kind, index) => {
    const random = fixed(`app secret ${index}`, kind === 'recovery' ? 32 : 28);
    const formatted = formatAppSecret(kind, random);
    const derived = deriveFromAppSecret(p, formatted, kind);
    return {
      kind,
      random: toHex(random),
      formatted,
      typed: ` ${formatted.toUpperCase().replaceAll('-', ' ')} `,
      authKey: toHex(derived.authKey),
      kek: toHex(derived.kek),
      verifier: toHex(derived.verifier),
    };
  });

  const keySlots = (['password', 'app-password', 'recovery'] as KeySlotPurpose[]).map((purpose) => {
    const key = fixed('master key', 32);
    const kek = fixed(`kek ${purpose}`, 32);
    const nonce = fixed(`key slot nonce ${purpose}`, 24);
    return { purpose, key: toHex(key), kek: toHex(kek), nonce: toHex(nonce), wrapped: toHex(wrapKeyWithNonce(p, key, kek, purpose, nonce)) };
  });

  const masterKey = fixed('master key', 32);
  const privateKey = fixed('identity private key', 32);
  const identityNonce = fixed('identity nonce', 24);
  const identity = identityFromPrivateKey(p, masterKey, privateKey, identityNonce);
  const identities = [
    {
      masterKey: toHex(masterKey),
      privateKey: toHex(privateKey),
      nonce: toHex(identityNonce),
      publicKey: toHex(identity.publicKey),
      encryptedPrivateKey: toHex(identity.encryptedPrivateKey),
    },
  ];

  const contentKey = fixed('content key', 32);
  const keys = { masterKey, publicKey: identity.publicKey, privateKey };
  const previouslySealed = (await previousSealedVectors()).find(
    (vector) =>
      vector.contentKey === toHex(contentKey) &&
      vector.privateKey === toHex(privateKey) &&
      toHex(crypto.openContentKey(fromHex(vector.sealed), keys)) === toHex(contentKey),
  );
  const sealedContentKey = [
    previouslySealed ?? {
      contentKey: toHex(contentKey),
      publicKey: toHex(identity.publicKey),
      privateKey: toHex(privateKey),
      sealed: toHex(sealContentKey(p, contentKey, identity.publicKey)),
    },
  ];

  const wrapNonce = fixed('content key wrap nonce', 24);
  const wrappedContentKey = [
    {
      contentKey: toHex(contentKey),
      masterKey: toHex(masterKey),
      nonce: toHex(wrapNonce),
      wrapped: toHex(wrapContentKeyWithNonce(p, contentKey, masterKey, wrapNonce)),
    },
  ];

  const metadata = [new Uint8Array(0), new TextEncoder().encode('{"subject":"Hello","from":"alice@example.org"}')].map((plaintext, index) => {
    const nonce = fixed(`metadata nonce ${index}`, 24);
    return {
      contentKey: toHex(contentKey),
      nonce: toHex(nonce),
      plaintext: toHex(plaintext),
      ciphertext: toHex(encryptMetadataWithNonce(p, contentKey, plaintext, nonce)),
    };
  });

  const bodySizes = [0, 1, 100, BODY_CHUNK_SIZE, BODY_CHUNK_SIZE + 1, 2 * BODY_CHUNK_SIZE + 5];
  const bodies = bodySizes.map((plaintextSize) => {
    const streamHeader = fixed(`body header ${plaintextSize}`, 24);
    const encryptor = createBodyEncryptorWithHeader(p, contentKey, streamHeader);
    const ciphertext = concat([encryptor.push(patternBytes(plaintextSize)), encryptor.final()]);
    return {
      contentKey: toHex(contentKey),
      streamHeader: toHex(streamHeader),
      plaintextSize,
      ciphertextSize: ciphertext.length,
      ...(plaintextSize <= FULL_BODY_MAX_BYTES
        ? { ciphertext: toHex(ciphertext) }
        : { ciphertextSha256: createHash('sha256').update(ciphertext).digest('hex') }),
    };
  });

  const records = [
    { label: 'spool', plaintext: new TextEncoder().encode('MAIL FROM:<alice@example.org>') },
    { label: 'settings/forwarding', plaintext: new Uint8Array(0) },
  ].map(({ label, plaintext }) => {
    const key = fixed('record key', 32);
    const nonce = fixed(`record nonce ${label}`, 24);
    return {
      key: toHex(key),
      label,
      nonce: toHex(nonce),
      plaintext: toHex(plaintext),
      ciphertext: toHex(encryptRecordWithNonce(p, key, label, plaintext, nonce)),
    };
  });

  const searchIndexKeys = crypto.deriveSearchIndexKeys(masterKey);
  const searchIndex = [{ masterKey: toHex(masterKey), recordKey: toHex(searchIndexKeys.recordKey), storeId: toHex(searchIndexKeys.storeId) }];

  const vectors = {
    description:
      'Sealpost crypto v1 test vectors (crypto/FORMAT.md). Hex unless noted. Body plaintext byte i = (31*i + 7) mod 251. ' +
      'Sealed content keys are randomised by crypto_box_seal: check that they open.',
    generatedBy: 'scripts/gen-crypto-vectors.ts',
    subkey: subkeys,
    password: passwords,
    fakeSalt: fakeSalts,
    serverTag: serverTags,
    appSecret: appSecrets,
    keySlot: keySlots,
    identity: identities,
    sealedContentKey,
    wrappedContentKey,
    metadata,
    body: bodies,
    record: records,
    searchIndex,
  };
  await writeFile(OUTPUT, `${JSON.stringify(vectors, null, 2)}\n`);
  console.log(`wrote ${OUTPUT}`);
}

await main();
