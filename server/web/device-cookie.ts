// The device cookie: a browser that logged in to an address before carries proof of it, so
// its logins skip the slowdown that other people's failed guesses put on the address
// (login-slowdown.ts) and the owner is never kept out by them (docs/design.md promise 9).
// It is a tag under the server key over the address and an expiry: nothing is stored on
// the server, and it names no account to whoever reads it. It proves only "logged in here
// before"; it unlocks nothing, and the password is still checked.
import type { SealpostCrypto } from '../../crypto/api.ts';

export const DEVICE_COOKIE = '__Host-sealpost-device';
const VALID_DAYS = 90;
const DAY_MS = 86_400_000;

const tagOf = (crypto: SealpostCrypto, serverKey: Uint8Array, address: string, expiresAt: number) =>
  crypto.serverTag(serverKey, 'device-cookie', `${address}\0${expiresAt}`);

/** The Set-Cookie value for a browser that has just logged in to `address` (normalised). */
export function deviceCookie(crypto: SealpostCrypto, serverKey: Uint8Array, address: string, now: number): string {
  const expiresAt = Math.floor((now + VALID_DAYS * DAY_MS) / 1000);
  const value = `${expiresAt}.${Buffer.from(tagOf(crypto, serverKey, address, expiresAt)).toString('base64url')}`;
  return `${DEVICE_COOKIE}=${value}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=${VALID_DAYS * 86_400}`;
}

/** Whether a cookie value proves an earlier login to `address` that has not expired. */
export function isDeviceOf(crypto: SealpostCrypto, serverKey: Uint8Array, value: string | undefined, address: string, now: number): boolean {
  const match = value ? /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value) : null;
  if (!match) return false;
  const expiresAt = Number(match[1]);
  if (expiresAt * 1000 <= now) return false;
  return crypto.equal(Buffer.from(match[2]!, 'base64url'), tagOf(crypto, serverKey, address, expiresAt));
}
