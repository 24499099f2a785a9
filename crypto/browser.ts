// Sealpost crypto for the browser (the web client's crypto worker): libsodium compiled to
// WASM, from libsodium-wrappers-sumo. Also runs in Node, where tests compare it with
// sodium-native byte for byte.

import type { SealpostCrypto } from './api.ts';
import { loadWasmPrimitives } from './backends/wasm.ts';
import { createSealpostCrypto } from './sealpost.ts';

let loaded: Promise<SealpostCrypto> | undefined;

/** The page- or worker-wide instance; the WASM module loads and self-checks once. */
export function loadBrowserCrypto(): Promise<SealpostCrypto> {
  loaded ??= loadWasmPrimitives().then(createSealpostCrypto);
  return loaded;
}
