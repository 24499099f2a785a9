// Test helper: properties every summary must have, whatever the input — used on the
// fixtures and on thousands of fuzzed messages.
import assert from 'node:assert/strict';
import type { MessageSummary, MimePart } from '../../mime/types.ts';
import { MAX_NESTING_DEPTH, MAX_PARTS } from '../../mime/structure.ts';
import { findPart, forEachNumberedPart } from '../../mime/part-numbering.ts';
import { sectionRange, toBodyStructure, toEnvelope } from '../../mime/imap-format.ts';

function countLineFeeds(raw: Uint8Array, start: number, end: number): number {
  let count = 0;
  for (let i = start; i < end; i++) if (raw[i] === 0x0a) count++;
  return count;
}

/** Checks offsets (in range, ordered, children nested in their parent's body), line
 * counts against the raw bytes, limits, JSON round trip and that IMAP data builds. */
export function assertWellFormed(summary: MessageSummary, raw: Uint8Array): void {
  assert.equal(summary.v, 1);
  assert.equal(summary.size, raw.length);
  assert.equal(summary.lines, countLineFeeds(raw, 0, raw.length));
  assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary);
  const root = summary.structure;
  assert.equal(root.headerStart, 0);
  assert.equal(root.headerEnd, summary.headersEnd);
  assert.equal(root.bodyEnd, summary.size);

  let parts = 0;
  const checkPart = (part: MimePart, depth: number): void => {
    parts++;
    assert.ok(depth <= MAX_NESTING_DEPTH + 1, `nesting depth ${depth}`);
    assert.ok(part.type !== '' && part.subtype !== '', 'type and subtype are set');
    assert.ok(0 <= part.headerStart && part.headerStart <= part.headerEnd, `header ${part.headerStart}..${part.headerEnd}`);
    assert.ok(part.headerEnd <= part.bodyEnd && part.bodyEnd <= summary.size, `body ${part.headerEnd}..${part.bodyEnd}`);
    assert.equal(part.lines, countLineFeeds(raw, part.headerEnd, part.bodyEnd), 'lines = LF octets in the body');
    let previousEnd = part.headerEnd;
    for (const child of part.children ?? []) {
      assert.ok(child.headerStart >= previousEnd, 'children are ordered and inside the parent body');
      assert.ok(child.bodyEnd <= part.bodyEnd, 'a child ends within its parent');
      previousEnd = child.bodyEnd;
      checkPart(child, depth + 1);
    }
    if (part.message) {
      assert.equal(part.type, 'message');
      assert.equal(part.message.structure.headerStart, part.headerEnd, 'encapsulated message starts with the body');
      assert.equal(part.message.structure.bodyEnd, part.bodyEnd, 'and ends with it');
      checkPart(part.message.structure, depth + 1);
    }
  };
  checkPart(root, 0);
  assert.ok(parts <= MAX_PARTS, `${parts} parts`);

  forEachNumberedPart(root, (part, path) => {
    assert.equal(findPart(root, path), part, `part ${path.join('.')} resolves`);
    const range = sectionRange(summary, path, '');
    assert.ok(range && range.start <= range.end && range.end <= summary.size);
  });
  for (const attachment of summary.attachments) assert.ok(findPart(root, attachment.path), 'attachment paths resolve');
  assert.equal(summary.hasAttachments, summary.attachments.length > 0);
  assert.ok([...summary.preview].length <= 256);
  toEnvelope(summary);
  toBodyStructure(summary, { extensible: true });
  toBodyStructure(summary, { extensible: false });
}
