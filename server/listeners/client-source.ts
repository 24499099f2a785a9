// Which clients count as one: connection caps and login throttles key their in-memory counts
// by this, never by anything persisted (docs/design.md promise 4).
import { isIP } from 'node:net';

/**
 * The key a client is counted under (connection caps, login throttles): an IPv4 address as is, an IPv6 address by its
 * /64 prefix (one subscriber usually holds a whole /64, so counting single IPv6 addresses
 * would not throttle anyone), an IPv4-mapped IPv6 address as its IPv4 address.
 */
export function clientSourceOf(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  const address = plainAddress(remoteAddress);
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  // A dotted IPv4 tail stands for two groups; it lies past the /64 but shifts the count.
  const tailWidth = tailGroups.reduce((width, group) => width + (group.includes('.') ? 2 : 1), 0);
  const zeros = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailWidth).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

/** The address as a host is named: without a zone id (it names an interface), and an
 * IPv4-mapped IPv6 address as its IPv4 address. */
export function plainAddress(remoteAddress: string): string {
  const address = remoteAddress.replace(/%.*$/, '');
  return /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1] ?? address;
}
