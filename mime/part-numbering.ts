// IMAP part numbers (RFC 3501 section 6.4.5): the children of a multipart body are 1..n;
// a message whose body is not multipart has only part 1, its body; the parts of an
// encapsulated message/rfc822 are numbered below that part's number the same way. The
// top-level multipart itself, like the multipart body of an encapsulated message, has no
// number of its own (it is reached as TEXT).

import type { MimePart } from './types.ts';

export function isMultipart(part: MimePart): boolean {
  return part.children !== undefined;
}

/** Visits every numbered part in document order with its part number. */
export function forEachNumberedPart(body: MimePart, visit: (part: MimePart, path: number[]) => void): void {
  visitMessageBody(body, [], visit);
}

function visitMessageBody(body: MimePart, prefix: number[], visit: (part: MimePart, path: number[]) => void): void {
  if (isMultipart(body)) {
    for (const [index, child] of body.children!.entries()) visitPart(child, [...prefix, index + 1], visit);
  } else {
    visitPart(body, [...prefix, 1], visit);
  }
}

function visitPart(part: MimePart, path: number[], visit: (part: MimePart, path: number[]) => void): void {
  visit(part, path);
  if (isMultipart(part)) {
    for (const [index, child] of part.children!.entries()) visitPart(child, [...path, index + 1], visit);
  } else if (part.message) {
    visitMessageBody(part.message.structure, path, visit);
  }
}

/** The part a part number designates, or null when there is none. `body` is the top-level
 * message's body part. */
export function findPart(body: MimePart, path: readonly number[]): MimePart | null {
  // `container` is the part whose children the next number indexes; `messageBody` is set
  // when that container is a message body, where number 1 of a non-multipart body is the
  // body itself.
  let container: MimePart = body;
  let isMessageBody = true;
  let found: MimePart | null = null;
  for (const number of path) {
    if (!Number.isInteger(number) || number < 1) return null;
    if (isMultipart(container)) {
      found = container.children![number - 1] ?? null;
    } else if (isMessageBody && number === 1) {
      found = container;
    } else {
      return null;
    }
    if (!found) return null;
    if (found.message) {
      container = found.message.structure;
      isMessageBody = true;
    } else {
      container = found;
      isMessageBody = false;
    }
  }
  return found;
}
