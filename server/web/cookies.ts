// The session cookie. `__Host-` binds it to this origin (Secure, Path=/, no Domain);
// HttpOnly keeps it from scripts; SameSite=Strict keeps other sites from sending it. No
// Max-Age: it ends with the browser session, and the server's idle limit ends it sooner.

export const SESSION_COOKIE = '__Host-sealpost-session';

export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${token}; Path=/; Secure; HttpOnly; SameSite=Strict`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`;
}

/** The value of one cookie in a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}
