// Keys of the web client's search index, which the browser keeps encrypted on the user's
// device (IndexedDB, never the server). Both are subkeys of masterKey, so every login on any
// device derives the same ones, and a password change (a rewrap of masterKey) keeps the index
// readable:
//
//   recordKey = subkey("sealpost/v1/search-index-key", masterKey)          encrypts its records
//   storeId   = subkey("sealpost/v1/search-index-name", masterKey)[0..16]   names its database
//
// The database is named by a masterKey subkey rather than a hash of the address: an address
// hash can be tested against a list of addresses by anyone holding the device; this cannot.

import type { SearchIndexKeys } from './api.ts';
import type { SodiumPrimitives } from './primitives.ts';
import { KEY_BYTES } from './primitives.ts';
import { requireBytes } from './bytes.ts';
import { LABELS } from './format.ts';
import { subkey } from './keys.ts';

/** 128 bits: no two accounts' databases share a name, and a name is short. */
export const SEARCH_INDEX_STORE_ID_BYTES = 16;

export function deriveSearchIndexKeys(p: SodiumPrimitives, masterKey: Uint8Array): SearchIndexKeys {
  requireBytes(masterKey, 'masterKey', KEY_BYTES);
  const name = subkey(p, LABELS.searchIndexName, masterKey);
  try {
    return { recordKey: subkey(p, LABELS.searchIndexKey, masterKey), storeId: name.slice(0, SEARCH_INDEX_STORE_ID_BYTES) };
  } finally {
    p.memzero(name);
  }
}
