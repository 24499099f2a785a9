// The WASM backend frees (after zeroing) every heap buffer it allocates, secretstream states
// included, so thousands of bodies do not grow the WASM heap and no key stays in it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadWasmModule, loadWasmPrimitives } from '../../crypto/backends/wasm.ts';
import { createSealpostCrypto } from '../../crypto/sealpost.ts';
import { decryptBody, encryptBody, patternBytes, readerOf } from './helpers.ts';

const lib = await loadWasmModule();
const crypto = createSealpostCrypto(await loadWasmPrimitives());

/** Counts the module's live allocations while `run` executes, through its own exports. */
async function liveAllocationsAfter(run: () => Promise<void> | void): Promise<{ live: number; total: number }> {
  const malloc = lib._malloc;
  const free = lib._free;
  const live = new Set<number>();
  let total = 0;
  lib._malloc = (size) => {
    const address = malloc(size);
    live.add(address);
    total += 1;
    return address;
  };
  lib._free = (address) => {
    assert.ok(live.delete(address), `free of an address this run did not allocate: ${address}`);
    free(address);
  };
  try {
    await run();
  } finally {
    lib._malloc = malloc;
    lib._free = free;
  }
  return { live: live.size, total };
}

test('every operation frees what it allocates', async () => {
  const masterKey = crypto.newMasterKey();
  const result = await liveAllocationsAfter(async () => {
    const identity = crypto.newIdentity(masterKey);
    const keys = crypto.openIdentity(identity, masterKey);
    const contentKey = crypto.newContentKey();
    crypto.openContentKey(crypto.sealContentKey(contentKey, keys.publicKey), keys);
    crypto.openContentKey(crypto.wrapContentKey(contentKey, masterKey), keys);
    crypto.decryptMetadata(contentKey, crypto.encryptMetadata(contentKey, patternBytes(100)));
    const kek = crypto.randomBytes(32);
    crypto.unwrapKey(crypto.wrapKey(masterKey, kek, 'password'), kek, 'password');
    assert.throws(() => crypto.unwrapKey(crypto.wrapKey(masterKey, kek, 'password'), kek, 'recovery'));
    crypto.deriveFromAppSecret(crypto.newAppPassword(), 'app-password');
    await crypto.deriveFromPassword('pw', crypto.newPasswordSalt(), { algorithm: 'argon2id13', opsLimit: 1, memLimitBytes: 8192 });
    const ciphertext = encryptBody(crypto, contentKey, patternBytes(3 * 65536 + 5));
    decryptBody(crypto, contentKey, ciphertext);
    await crypto.decryptBodyRange(contentKey, readerOf(ciphertext), ciphertext.length, 70000, 190000);
    assert.throws(() => decryptBody(crypto, crypto.newContentKey(), ciphertext));
  });
  assert.ok(result.total > 50, `${result.total} allocations observed`);
  assert.equal(result.live, 0);
});

test('2000 bodies leave no allocation behind and do not grow the heap', async () => {
  const contentKey = crypto.newContentKey();
  encryptBody(crypto, contentKey, patternBytes(70000)); // warm-up: the heap reaches its working size
  const heapBytes = lib.HEAPU8.length;
  const result = await liveAllocationsAfter(() => {
    for (let i = 0; i < 2000; i++) {
      const plaintext = patternBytes(i % 7 === 0 ? 70000 : 300, i);
      decryptBody(crypto, contentKey, encryptBody(crypto, contentKey, plaintext));
    }
  });
  assert.equal(result.live, 0);
  assert.equal(lib.HEAPU8.length, heapBytes);
});

test('heap buffers are zeroed before they are freed: no key is left in them', async () => {
  const masterKey = crypto.newMasterKey();
  const kek = crypto.randomBytes(32);
  const regions: { address: number; length: number }[] = [];
  const malloc = lib._malloc;
  lib._malloc = (size) => {
    const address = malloc(size);
    regions.push({ address, length: size });
    return address;
  };
  try {
    crypto.unwrapKey(crypto.wrapKey(masterKey, kek, 'password'), kek, 'password');
  } finally {
    lib._malloc = malloc;
  }
  assert.ok(regions.length >= 10);
  // Search for the last 16 bytes of each key: a freed block's first bytes hold the
  // allocator's own pointers, which would hide a full-length match.
  const heap = Buffer.from(lib.HEAPU8.buffer, lib.HEAPU8.byteOffset, lib.HEAPU8.length);
  for (const secret of [masterKey, kek]) {
    const tail = Buffer.from(secret.subarray(16));
    for (let found = heap.indexOf(tail); found !== -1; found = heap.indexOf(tail, found + 1)) {
      // libsodium's own stack frames (outside our buffers) may still hold a copy: its
      // ChaCha20 code stages messages shorter than 64 bytes in a stack block it does not wipe.
      const inOurBuffer = regions.some(({ address, length }) => found >= address && found < address + length);
      assert.ok(!inOurBuffer, `key bytes left in a freed buffer at ${found}`);
    }
  }
});
