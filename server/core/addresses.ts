// Address rules of docs/design.md, Defaults: local part 5–30 characters of letters, digits, '-'
// and '.', beginning with a letter. Addresses are stored lowercase; lookups normalise.
import { MailError } from './errors.ts';

const LOCAL_PART = /^[a-z][a-z0-9.-]{4,29}$/;
/** A DNS name: labels of letters, digits and hyphens, no leading or trailing hyphen. */
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;

export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

export function splitAddress(address: string): { localPart: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { localPart: address.slice(0, at), domain: address.slice(at + 1) };
}

/** Checks a new address against the rules; returns it normalised. */
export function validateNewAddress(address: string): string {
  const normalized = normalizeAddress(address);
  const parts = splitAddress(normalized);
  if (!parts) throw new MailError('ADDRESS_INVALID', `"${address}" is not an address of the form local@domain`);
  if (!LOCAL_PART.test(parts.localPart)) {
    throw new MailError('ADDRESS_INVALID', 'the local part must be 5–30 characters of letters, digits, "-" and ".", beginning with a letter');
  }
  if (/[.-]{2}|[.-]$/.test(parts.localPart)) {
    throw new MailError('ADDRESS_INVALID', 'the local part must not end with, or repeat, "." or "-"');
  }
  if (!DOMAIN.test(parts.domain)) throw new MailError('ADDRESS_INVALID', `"${parts.domain}" is not a valid domain name`);
  return normalized;
}

export function validateDomainName(domain: string): string {
  const normalized = domain.trim().toLowerCase();
  if (!DOMAIN.test(normalized)) throw new MailError('INVALID_ARGUMENT', `"${domain}" is not a valid domain name`);
  return normalized;
}
