// An SMTP reply an operator configures, e.g. "550 5.2.1 mailbox disabled": the reply code,
// the enhanced status code (RFC 3463) and the text, checked to agree with each other.
export interface ConfiguredReply {
  code: number;
  enhancedStatus: string;
  text: string;
}

export function parseConfiguredReply(setting: string, key: string): ConfiguredReply {
  const match = /^([45]\d\d) ([45]\.\d{1,3}\.\d{1,3}) (\S.*)$/.exec(setting);
  if (!match) throw new Error(`${key}: expected "<code> <enhanced code> <text>", e.g. "550 5.2.1 mailbox disabled"`);
  const [, code, enhancedStatus, text] = match as unknown as [string, string, string, string];
  if (code[0] !== enhancedStatus[0]) throw new Error(`${key}: the reply code ${code} and the enhanced code ${enhancedStatus} disagree (both 4 or both 5)`);
  return { code: Number(code), enhancedStatus, text };
}
