// The Authentication-Results header (RFC 8601 section 2.7.4, method "auth") on the copy of a
// submitted message that this server delivers to one of its own accounts, by SMTP submission
// or the webmail's send. Both accept mail only from a logged-in account and only from its own
// addresses (envelope and From), so the recipient's reader may say "sent by an account on
// this server". It goes above our Received header: the webmail believes only what stands
// there, and whatever the sender wrote is below. It names the envelope sender, one of the
// account's addresses that the recipient sees anyway; not the login address, which would give
// away the account's other address when its owner writes from an alias, and no client address
// or HELO name (docs/design.md promise 4). Copies for other servers never get it: they leave
// DKIM-signed as submitted.

/** `sender` is an address the account owns (checked before), so a plain RFC 8601 pvalue:
 * the address rules allow only letters, digits, '-' and '.' in it. */
export function submitterAuthenticationResults(hostname: string, sender: string): Buffer {
  return Buffer.from(`Authentication-Results: ${hostname}; auth=pass smtp.auth=${sender}\r\n`, 'utf8');
}
