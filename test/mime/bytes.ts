// Bytes for the MIME tests: the fixture messages, and text as UTF-8 or Latin-1 bytes (the
// latter to build and read legacy-charset messages byte for byte).
import { readFileSync } from 'node:fs';

export const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../fixtures/mime/${name}.eml`, import.meta.url)));
export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const latin1Bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'latin1'));
export const latin1 = (data: Uint8Array): string => Buffer.from(data).toString('latin1');
