// Base64 with only what browsers and Node both have (atob, btoa), for code that runs in the
// browser, its worker and the server alike: the API carries every binary value as standard
// base64. Converts in slices so that a 20 MB body never builds one giant argument list.

/** Bytes per String.fromCharCode call: far below engines' argument limits. */
const SLICE = 0x8000;

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let offset = 0; offset < bytes.length; offset += SLICE) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + SLICE));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
