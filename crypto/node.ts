// Sealpost crypto for Node (server, CLI): libsodium through sodium-native.

import type { SealpostCrypto } from './api.ts';
import { loadNativePrimitives } from './backends/native.ts';
import { createSealpostCrypto } from './sealpost.ts';

let loaded: Promise<SealpostCrypto> | undefined;

/** The process-wide instance; the backend self-check runs once. */
export function loadNodeCrypto(): Promise<SealpostCrypto> {
  loaded ??= loadNativePrimitives().then(createSealpostCrypto);
  return loaded;
}
