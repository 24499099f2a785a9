// tag ENABLE 1*(SP capability)   (RFC 5161)
// Capability names come back upper-cased; the session answers ENABLED with those it knows.
// After enabling UTF8=ACCEPT it must call Receiver.setUtf8Accept(true).
import { defineCommand } from './spec.ts';

export interface EnableRequest {
  readonly name: 'ENABLE';
  readonly capabilities: readonly string[];
}

export const enableCommand = defineCommand<EnableRequest>({
  name: 'ENABLE',
  grammar: 'tag ENABLE 1*(SP capability)',
  // RFC 5161 3 and RFC 9051 6.3.1: only in the authenticated state.
  states: ['authenticated'],
  usesSequenceNumbers: false,
  expunges: false,
  read(args) {
    const capabilities = [args.keyword('capability')];
    while (!args.atEnd()) capabilities.push(args.keyword('capability'));
    return { name: 'ENABLE', capabilities };
  },
});
