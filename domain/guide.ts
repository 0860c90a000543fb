import { Marked, type Tokens } from 'marked';
import { escapeHtml } from './html.js';

/** The only URL schemes a guide may link to or show images from. */
const ALLOWED_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/**
 * An absolute http, https or mailto URL, serialised the way a browser reads it (WHATWG URL: tabs,
 * newlines and leading spaces dropped, scheme lowercased), or null for anything else: `javascript:`,
 * `data:`, `vbscript:`, relative links (meaningless in an email).
 */
export function safeGuideUrl(href: string): string | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  return ALLOWED_PROTOCOLS.has(url.protocol) ? url.href : null;
}

const attr = (name: string, value: string | null | undefined) => (value ? ` ${name}="${escapeHtml(value)}"` : '');

/**
 * marked with Kami's rules, in its own instance (the global `marked` is left as it is). marked already
 * escapes text and code exactly once; these hooks cover what it passes through: raw HTML and URLs.
 */
const guideMarkdown = new Marked({
  gfm: true,
  renderer: {
    /** Raw HTML, block or inline, is shown as the characters the merchant typed, never run. */
    html({ text, block }: Tokens.HTML | Tokens.Tag) {
      return block ? `<p>${escapeHtml(text.trim())}</p>\n` : escapeHtml(text);
    },
    link({ href, title, tokens }: Tokens.Link) {
      const label = this.parser.parseInline(tokens);
      const url = safeGuideUrl(href);
      return url ? `<a${attr('href', url)}${attr('title', title)}>${label}</a>` : label;
    },
    image({ href, title, text, tokens }: Tokens.Image) {
      const alt = tokens ? this.parser.parseInline(tokens, this.parser.textRenderer) : text;
      const url = safeGuideUrl(href);
      return url ? `<img${attr('src', url)} alt="${escapeHtml(alt)}"${attr('title', title)}>` : escapeHtml(alt);
    },
  },
});

/**
 * A product's usage guide (Markdown, written by a merchant) as HTML that is safe to put in a buyer's
 * email, the buyer's order page and the panel's preview: raw HTML escaped, links and images only to
 * http, https and mailto (anything else becomes its plain text), code shown as typed (escaped once).
 */
export function renderGuide(markdown: string): string {
  return guideMarkdown.parse(markdown, { async: false });
}
