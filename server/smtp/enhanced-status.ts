// smtp-server derives the enhanced status code (RFC 3463) of a handler's error from the
// reply code alone, so `554` always reads `5.6.0`. Relay denial must read `554 5.7.1`.
// This installs, once, a narrow override: a handler that rejects with an error carrying
// `enhancedStatus` gets exactly that code on its reply; every other reply is unchanged.
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

export interface SmtpReplyError extends Error {
  responseCode: number;
  enhancedStatus?: string;
}

interface PatchableConnection {
  session: { pendingEnhancedStatus?: string };
  _getEnhancedStatusCode(code: number, context?: unknown): string;
}

let installed = false;

export function installEnhancedStatusOverride(): void {
  if (installed) return;
  installed = true;
  const prototype = (SMTPConnection as unknown as { prototype: PatchableConnection }).prototype;
  const original = prototype._getEnhancedStatusCode;
  // A private method: if an upgrade of smtp-server renames it, every reply would carry the
  // wrong enhanced code without a word. Refuse to start instead.
  if (typeof original !== 'function')
    throw new Error('smtp-server no longer has SMTPConnection._getEnhancedStatusCode; server/smtp/enhanced-status.ts needs updating');
  prototype._getEnhancedStatusCode = function (this: PatchableConnection, code: number, context?: unknown): string {
    const pending = this.session?.pendingEnhancedStatus;
    if (pending && code >= 400 && context !== false) {
      this.session.pendingEnhancedStatus = undefined;
      return pending;
    }
    return original.call(this, code, context);
  };
}

/** An SMTP rejection; the session argument lets the override pick up the enhanced code. */
export function smtpReply(session: { pendingEnhancedStatus?: string }, responseCode: number, enhancedStatus: string, message: string): SmtpReplyError {
  session.pendingEnhancedStatus = enhancedStatus;
  return Object.assign(new Error(message), { responseCode, enhancedStatus });
}
