// msg-id lists (RFC 5322 section 3.6.4) as THREAD=REFERENCES compares them (RFC 5256
// section 2.2): the text between angle brackets with comments and whitespace removed,
// brackets dropped. Values without '@' are not valid msg-ids and are skipped; a
// Message-ID header without brackets (seen from broken generators) is accepted whole.

/** Ids in the order they appear. */
export function parseMessageIds(value: string | null): string[] {
  if (value === null) return [];
  const ids: string[] = [];
  const text = stripComments(value);
  let position = 0;
  for (;;) {
    const open = text.indexOf('<', position);
    if (open < 0) break;
    const close = text.indexOf('>', open + 1);
    if (close < 0) break;
    const id = text.slice(open + 1, close).replace(/\s+/g, '');
    if (isPlausibleId(id)) ids.push(id);
    position = close + 1;
  }
  return ids;
}

/** The Message-ID header's id, or null. */
export function parseMessageId(value: string | null): string | null {
  if (value === null) return null;
  const [first] = parseMessageIds(value);
  if (first !== undefined) return first;
  const bare = stripComments(value).trim();
  return !/\s/.test(bare) && isPlausibleId(bare) ? bare : null;
}

function isPlausibleId(id: string): boolean {
  return id.length > 2 && id.includes('@') && !id.includes('<');
}

function stripComments(value: string): string {
  if (!value.includes('(')) return value;
  let output = '';
  let depth = 0;
  let inQuotes = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      if (depth === 0) output += c + value[i + 1];
      i++;
    } else if (inQuotes) {
      output += c;
      if (c === '"') inQuotes = false;
    } else if (c === '"' && depth === 0) {
      inQuotes = true;
      output += c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && depth > 0) {
      depth--;
    } else if (depth === 0) {
      output += c;
    }
  }
  return output;
}
