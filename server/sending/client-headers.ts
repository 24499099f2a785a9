// Header fields a mail program adds that tell recipients about the sender's machine: its
// address (X-Originating-IP, X-Forwarded-For), its software (User-Agent, X-Mailer), and a
// Message-ID made from its host name (mutt, some phones). Removed before the message goes
// anywhere, as Posteo does (docs/design.md promise 4; issue 12, item 12). A Message-ID is
// replaced only when its right-hand side is not one of our domains or host name, so the ids
// that Thunderbird and the webmail make (the From domain) stay, and threading with them.
import type { Config } from '../config/schema.ts';
import { listSetting } from '../config/list-setting.ts';
export interface ClientHeaderPolicy {
  /** Lower-case field names removed. */
  strip: ReadonlySet<string>;
  rewriteForeignMessageId: boolean;
}

export function clientHeaderPolicyOf(settings: Config['sending']): ClientHeaderPolicy {
  return { strip: new Set(listSetting(settings.stripHeaders).map((name) => name.toLowerCase())), rewriteForeignMessageId: settings.rewriteForeignMessageId };
}

export interface CleanedHeader {
  header: Buffer;
  /** How many fields were removed (a Message-ID to be replaced included). */
  removed: number;
}

/** The header without the fields `policy` removes; `isOurs` tells whether a Message-ID's
 * domain is one of ours. Folded continuation lines go with their field; every other byte
 * stays as it was, so what follows is signed as the client wrote it. */
export function withoutClientHeaders(header: Buffer, policy: ClientHeaderPolicy, isOurs: (domain: string) => boolean): CleanedHeader {
  const kept: Buffer[] = [];
  let removed = 0;
  for (const field of rawFields(header)) {
    const text = field.toString('utf8');
    const colon = text.indexOf(':');
    const name = colon > 0 ? text.slice(0, colon).trim().toLowerCase() : '';
    const value = text
      .slice(colon + 1)
      .replace(/\r?\n/g, '')
      .trim();
    const domain = /@([^>\s]+)>\s*$/
      .exec(value)?.[1]
      ?.toLowerCase()
      .replace(/^\[|\]$/g, '');
    const foreignId = name === 'message-id' && policy.rewriteForeignMessageId && domain !== undefined && !isOurs(domain);
    if (policy.strip.has(name) || foreignId) removed += 1;
    else kept.push(field);
  }
  return removed === 0 ? { header, removed } : { header: Buffer.concat(kept), removed };
}

/** The header's fields as received, each with its folded lines and line breaks. */
function* rawFields(header: Buffer): Iterable<Buffer> {
  let start = 0;
  while (start < header.length) {
    let end = start;
    do {
      const newline = header.indexOf(0x0a, end);
      end = newline < 0 ? header.length : newline + 1;
    } while (end < header.length && (header[end] === 0x20 || header[end] === 0x09));
    yield header.subarray(start, end);
    start = end;
  }
}
