// MAIL FROM parameters, as both SMTP listeners read them. smtp-server refuses any parameter
// given twice with "501 duplicate SIZE parameter"; Python's smtplib sends SIZE twice when a
// caller adds it as well, and Postfix accepts that. We accept a repeated parameter when
// every value agrees (it then means what one would) and keep refusing when they differ,
// which is ambiguous. The override is narrow: it touches only that one decision.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import type { SMTPServerAddress } from 'smtp-server';

interface ParsedAddressCommand {
  duplicate?: string;
}

interface PatchableConnection {
  _parseAddressCommand(rawName: string, rawCommand: string): ParsedAddressCommand | false;
}

let installed = false;

export function installRepeatedParameterOverride(): void {
  if (installed) return;
  installed = true;
  const prototype = (SMTPConnection as unknown as { prototype: PatchableConnection }).prototype;
  const original = prototype._parseAddressCommand;
  // A private method: if an upgrade of smtp-server renames it, refuse to start rather than
  // silently refuse smtplib's mail again.
  if (typeof original !== 'function') throw new Error('smtp-server no longer has SMTPConnection._parseAddressCommand; server/smtp/mail-from.ts needs updating');
  prototype._parseAddressCommand = function (this: PatchableConnection, rawName: string, rawCommand: string) {
    const parsed = original.call(this, rawName, rawCommand);
    if (parsed !== false && parsed.duplicate && !conflictingParameter(String(rawCommand ?? ''))) delete parsed.duplicate;
    return parsed;
  };
}

/** The first parameter given twice with different values (names compare case-blind, values
 * exactly), or null. */
export function conflictingParameter(command: string): string | null {
  const seen = new Map<string, string>();
  const parameters = command
    .slice(command.indexOf(':') + 1)
    .trim()
    .split(/\s+/)
    .slice(1);
  for (const parameter of parameters) {
    const [name = '', ...rest] = parameter.split('=');
    const key = name.toUpperCase();
    if (!key) continue;
    const value = rest.length > 0 ? rest.join('=') : '';
    const earlier = seen.get(key);
    if (earlier !== undefined && earlier !== value) return key;
    seen.set(key, value);
  }
  return null;
}

/** The SIZE a MAIL FROM declared (RFC 1870), 0 when none. */
export function declaredSizeOf(mailFrom: SMTPServerAddress | false | undefined): number {
  if (mailFrom === false || mailFrom === undefined || mailFrom.args === false) return 0;
  return Number((mailFrom.args as Record<string, string>).SIZE || 0);
}
