// The words of an HTML message, for the plain-text view and for quoting in a reply. The
// parser's document is inert (no script runs, nothing loads); script and style contents are
// dropped, block ends become line breaks.

const BLOCKS = 'p, div, br, li, tr, h1, h2, h3, h4, h5, h6, blockquote, pre, table, hr';

export function htmlToText(html: string): string {
  const document = new DOMParser().parseFromString(html, 'text/html');
  for (const element of document.querySelectorAll('script, style, noscript, template, head')) element.remove();
  for (const element of document.querySelectorAll(BLOCKS)) element.append('\n');
  return (document.body?.textContent ?? '').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}
