// A decrypted message, parsed for display with postal-mime (written for browsers): text,
// HTML, attachments, and the verdicts of our own mail server. Only headers our server added
// are believed: the MX (SPF/DKIM/DMARC, spam) and submission or the webmail's send (the
// sending account, for mail between accounts here) put them above their own Received header,
// the topmost one; a sender can write any Authentication-Results or X-Spam header into the
// message it sends, but only below.
import type { Address, Email, Header } from 'postal-mime';
import type { CheckResult, ParsedAddress, ParsedMessage } from './protocol.ts';

/** postal-mime guards: real mail nests far less; a hostile message cannot blow the stack. */
const PARSER_LIMITS = { maxNestingDepth: 64, maxHeadersSize: 2 * 1024 * 1024 } as const;
const CHECK_RESULTS = new Set<CheckResult>(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror', 'policy']);

function flatten(addresses: Address | Address[] | undefined): ParsedAddress[] {
  if (!addresses) return [];
  return (Array.isArray(addresses) ? addresses : [addresses]).flatMap((entry) =>
    entry.group ? entry.group.map((member) => ({ name: member.name, address: member.address })) : [{ name: entry.name, address: entry.address ?? '' }],
  );
}

/** The headers above the topmost Received header, when that one is our server's. */
export function headersOfOurServer(headers: readonly Header[]): Header[] {
  const first = headers.findIndex((header) => header.key === 'received');
  return first >= 0 && headers[first]!.value.includes('(Sealpost)') ? headers.slice(0, first) : [];
}

function ourAuthenticationResults(headers: readonly Header[]): Header | undefined {
  return headersOfOurServer(headers).find((candidate) => candidate.key === 'authentication-results');
}

export function authenticationResults(headers: readonly Header[]): ParsedMessage['authentication'] {
  const header = ourAuthenticationResults(headers);
  if (!header) return null;
  const result = (method: string): CheckResult | null => {
    const match = new RegExp(`(?:^|[;\\s])${method}=([a-z]+)`, 'i').exec(header.value);
    const value = match?.[1]?.toLowerCase() as CheckResult | undefined;
    return value && CHECK_RESULTS.has(value) ? value : null;
  };
  return { spf: result('spf'), dkim: result('dkim'), dmarc: result('dmarc') };
}

/** The address an account of this server sent from: the smtp.auth property of an
 * `auth=pass` result in our header (RFC 8601 section 2.7.4). */
export function localSender(headers: readonly Header[]): string | null {
  for (const resultInfo of ourAuthenticationResults(headers)?.value.split(';') ?? []) {
    if (!/^\s*auth=pass(?:\s|$)/i.test(resultInfo)) continue;
    const address = /(?:^|\s)smtp\.auth=([^\s;()"]+@[^\s;()"]+)/i.exec(resultInfo)?.[1];
    if (address) return address.toLowerCase();
  }
  return null;
}

export function spamVerdict(headers: readonly Header[]): ParsedMessage['spam'] {
  const ours = headersOfOurServer(headers);
  const flag = ours.find((header) => header.key === 'x-spam-flag');
  const status = ours.find((header) => header.key === 'x-spam-status');
  const score = ours.find((header) => header.key === 'x-spam-score');
  if (!flag && !status && !score) return null;
  const flagged = /^\s*yes\b/i.test(flag?.value ?? status?.value ?? '');
  const scoreText = score?.value.trim() ?? /score=(-?[\d.]+)/.exec(status?.value ?? '')?.[1] ?? null;
  return { flagged, score: scoreText };
}

const messageIds = (text: string | undefined) => (text ? [...text.matchAll(/<[^<>\s]+>/g)].map((match) => match[0]) : []);

export async function parseMessage(raw: Uint8Array): Promise<ParsedMessage> {
  // Loaded with the first message opened, not with the worker: login needs only libsodium.
  const { default: PostalMime } = await import('postal-mime');
  const email: Email = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer', ...PARSER_LIMITS });
  return {
    subject: email.subject ?? '',
    from: flatten(email.from),
    to: flatten(email.to),
    cc: flatten(email.cc),
    replyTo: flatten(email.replyTo),
    date: email.date ?? null,
    messageId: email.messageId ?? null,
    inReplyTo: email.inReplyTo ?? null,
    references: messageIds(email.references),
    html: email.html ?? null,
    text: email.text ?? null,
    attachments: email.attachments.map((attachment) => {
      const content = attachment.content instanceof ArrayBuffer ? attachment.content : new TextEncoder().encode(String(attachment.content)).buffer;
      return {
        filename: attachment.filename ?? '',
        mimeType: attachment.mimeType,
        size: content.byteLength,
        contentId: attachment.contentId ? attachment.contentId.replace(/^<|>$/g, '') : null,
        inline: attachment.disposition === 'inline' || Boolean(attachment.related),
        content: content as ArrayBuffer,
      };
    }),
    authentication: authenticationResults(email.headers),
    localSender: localSender(email.headers),
    spam: spamVerdict(email.headers),
  };
}
