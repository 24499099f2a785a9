// HTML mail made harmless before it is shown (in a sandboxed, script-free iframe whose own
// CSP blocks every remote load unless the user allowed images): DOMPurify removes scripts,
// event handlers, javascript: URLs, forms, frames, SVG and MathML; the hooks below block
// remote images, srcsets, background images and CSS url()/@import, count what was blocked,
// point cid: images at the decrypted inline parts, and make links open outside.
import DOMPurify from 'dompurify';

export interface SanitizeOptions {
  /** Load http(s) images (the user chose so for this message or sender). */
  allowRemote: boolean;
  /** Content-ID → blob: URL of an inline part. */
  inlineParts: ReadonlyMap<string, string>;
}

export interface SanitizedHtml {
  fragment: DocumentFragment;
  /** Remote references removed (0 when allowed): shown as "remote content blocked". */
  blocked: number;
}

const REMOTE_URL = /^\s*(https?:)?\/\//i;
const CSS_URL = /url\(\s*(['"]?)([^'")]*)\1\s*\)/gi;
const URL_ATTRIBUTES = ['src', 'background', 'poster', 'srcset', 'lowsrc', 'dynsrc'];
const FORBIDDEN_TAGS = [
  'form',
  'input',
  'button',
  'select',
  'textarea',
  'option',
  'meta',
  'link',
  'base',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'audio',
  'video',
  'source',
  'track',
  'portal',
];

function cleanCss(css: string, options: SanitizeOptions, count: () => void): string {
  const withoutImports = css.replace(/@import[^;]*;?/gi, () => {
    count();
    return '';
  });
  return withoutImports.replace(CSS_URL, (whole, _quote: string, url: string) => {
    if (/^\s*data:image\//i.test(url)) return whole;
    if (/^\s*cid:/i.test(url)) {
      const part = options.inlineParts.get(url.trim().slice(4));
      return part ? `url("${part}")` : 'none';
    }
    if (options.allowRemote && REMOTE_URL.test(url)) return whole;
    count();
    return 'none';
  });
}

export function sanitizeHtml(html: string, options: SanitizeOptions): SanitizedHtml {
  let blocked = 0;
  const count = () => void blocked++;
  const purify = DOMPurify(window);
  purify.addHook('uponSanitizeElement', (node) => {
    if (node.nodeName === 'STYLE' && node.textContent) node.textContent = cleanCss(node.textContent, options, count);
  });
  purify.addHook('afterSanitizeAttributes', (node) => {
    const element = node as Element;
    for (const name of URL_ATTRIBUTES) {
      const value = element.getAttribute(name);
      if (value === null) continue;
      if (name === 'src' && /^\s*cid:/i.test(value)) {
        const part = options.inlineParts.get(value.trim().slice(4));
        if (part) element.setAttribute('src', part);
        else element.removeAttribute('src');
      } else if (name === 'src' && /^\s*data:image\//i.test(value)) {
      } else if (options.allowRemote && name === 'src' && REMOTE_URL.test(value)) {
      } else {
        if (REMOTE_URL.test(value)) count();
        element.removeAttribute(name);
        if (name === 'src') element.classList.add('sealpost-blocked-image');
      }
    }
    const style = element.getAttribute('style');
    if (style) element.setAttribute('style', cleanCss(style, options, count));
    if (element.nodeName === 'A') {
      element.setAttribute('target', '_blank');
      element.setAttribute('rel', 'noopener noreferrer');
    }
  });
  const fragment = purify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: FORBIDDEN_TAGS,
    FORBID_ATTR: ['action', 'formaction', 'ping', 'http-equiv'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|cid:|data:image\/|#)/i,
    ADD_TAGS: ['style'],
    FORCE_BODY: true,
    RETURN_DOM_FRAGMENT: true,
  });
  return { fragment, blocked };
}
