// SASL for POP3 AUTH (RFC 5034): client responses (base64, "=" for an empty initial
// response, "*" to cancel) and the PLAIN mechanism's message (RFC 4616:
// [authzid] NUL authcid NUL passwd). Pure; the decoded secret is returned to the caller and
// never appears in an error.

export type SaslResponse = { kind: 'cancel' } | { kind: 'data'; bytes: Uint8Array } | { kind: 'invalid' };

/** Canonical base64 with padding; Buffer.from(…, 'base64') alone would skip bad characters. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A response to a "+ " continuation. */
export function parseSaslResponse(text: string): SaslResponse {
  if (text === '*') return { kind: 'cancel' };
  if (!BASE64.test(text)) return { kind: 'invalid' };
  return { kind: 'data', bytes: new Uint8Array(Buffer.from(text, 'base64')) };
}

/** The initial response on the AUTH line: "=" stands for an empty one (RFC 5034 section 4). */
export function parseInitialResponse(text: string): SaslResponse {
  return text === '=' ? { kind: 'data', bytes: new Uint8Array(0) } : parseSaslResponse(text);
}

export interface PlainCredentials {
  authzid: string;
  authcid: string;
  password: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Undefined unless the message has exactly three parts, valid UTF-8, and a non-empty
 * authcid and password. */
export function decodePlain(message: Uint8Array): PlainCredentials | undefined {
  const first = message.indexOf(0);
  const second = first < 0 ? -1 : message.indexOf(0, first + 1);
  if (second < 0 || message.indexOf(0, second + 1) >= 0) return undefined;
  try {
    const authzid = strictUtf8.decode(message.subarray(0, first));
    const authcid = strictUtf8.decode(message.subarray(first + 1, second));
    const password = strictUtf8.decode(message.subarray(second + 1));
    if (authcid === '' || password === '') return undefined;
    return { authzid, authcid, password };
  } catch {
    return undefined;
  }
}
