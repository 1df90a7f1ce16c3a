/**
 * Markdown in, two outputs: sanitized HTML (WordPress, email) and plain text (social platforms,
 * video and podcast descriptions). Mailchimp merge tags (`*|UNSUB|*`, `*|FNAME|*`) survive the HTML
 * conversion untouched (Markdown would read `*|UNSUB|*` as emphasis) and are dropped from text.
 */
import { Lexer, marked, type Token, type Tokens, type TokensList } from "marked";
import sanitizeHtml from "sanitize-html";

const MERGE_TAG = /\*\|[^|*\s][^|]*\|\*/g;
const MERGE_TAG_WITH_SPACE = new RegExp(` ?${MERGE_TAG.source}`, "g");

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, "img", "del"],
  allowedAttributes: {
    a: ["href", "name", "title", "target", "rel"],
    img: ["src", "alt", "title", "width", "height"],
    th: ["align"],
    td: ["align"],
  },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["http", "https"] },
};

function withoutMergeTags(text: string): string {
  return text.replace(MERGE_TAG_WITH_SPACE, "");
}

/** Replaces merge tags by inert placeholders; `restore` puts them back. */
function protectMergeTags(text: string): { text: string; restore: (out: string) => string } {
  const tags: string[] = [];
  const protectedText = text.replace(MERGE_TAG, (tag) => `mcmergetag${tags.push(tag) - 1}x`);
  return {
    text: protectedText,
    restore: (out) => out.replace(/mcmergetag(\d+)x/g, (_, i) => tags[Number(i)]),
  };
}

/** Rewrites a link's URL (adaptation adds UTM parameters to links to the post's own site). */
export type LinkRewriter = (href: string) => string;

/**
 * Drops a leading heading that repeats the title (platforms show the title on their own), and
 * rewrites every link through `links`; with `retext`, an autolink's text (the URL itself) follows
 * (plain text shows the URL; HTML keeps the URL readers see as written).
 */
function lex(markdown: string, title?: string, links?: LinkRewriter, retext = false): TokensList {
  const tokens = new Lexer().lex(markdown);
  if (links) {
    marked.walkTokens(tokens, (token) => {
      if (token.type !== "link") return;
      const link = token as Tokens.Link;
      const href = links(link.href);
      if (href === link.href) return;
      const autolink = retext && link.text === link.href && link.tokens.length === 1 &&
        link.tokens[0].type === "text";
      link.href = href;
      if (autolink) {
        link.text = href;
        (link.tokens[0] as Tokens.Text).text = href;
        (link.tokens[0] as Tokens.Text).raw = href;
      }
    });
  }
  const first = tokens.findIndex((t) => t.type !== "space");
  const heading = tokens[first];
  if (
    title && heading?.type === "heading" &&
    (heading as Tokens.Heading).text.trim().toLowerCase() === title.trim().toLowerCase()
  ) {
    tokens.splice(first, 1);
  }
  return tokens;
}

/**
 * Markdown -> HTML without scripts, event handlers or javascript: URLs. Merge tags are kept for
 * email (`mergeTags: true`) and removed elsewhere.
 */
export function markdownToHtml(
  markdown: string,
  options: { title?: string; mergeTags?: boolean; links?: LinkRewriter } = {},
): string {
  const source = options.mergeTags ? markdown : withoutMergeTags(markdown);
  const { text, restore } = protectMergeTags(source);
  const html = marked.parser(lex(text, options.title, options.links));
  return restore(sanitizeHtml(html, SANITIZE).trim());
}

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
  "&#039;": "'",
  "&nbsp;": " ",
};

/** Visible text of an HTML fragment (scripts and styles dropped, entities decoded). */
export function htmlToText(html: string): string {
  const text = sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} });
  return text.replace(/&(amp|lt|gt|quot|#0?39|nbsp);/g, (e: string) => ENTITIES[e] ?? e);
}

/**
 * A title for a platform that renders it as HTML (WordPress): its visible text (tags, scripts and
 * styles dropped, entities decoded) escaped again, so it shows as written and runs nothing. Applying
 * it twice changes nothing.
 */
export function titleAsHtml(title: string): string {
  return htmlToText(title).trim()
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A title shown as text where HTML may leak through (an email's subject): no tags, no angles. */
export function titleAsText(title: string): string {
  return htmlToText(title).replace(/[<>]/g, "").replace(/\s+/g, " ").trim();
}

/** Walks marked's tokens and writes plain text: paragraphs separated by a blank line. */
class TextWriter {
  /** Inside an inline <script>/<style> opened by an html token: its text is not content. */
  private skipping = false;

  blocks(tokens: Token[]): string {
    return tokens.map((t) => this.block(t)).filter((s) => s.trim() !== "").join("\n\n");
  }

  private block(token: Token): string {
    switch (token.type) {
      case "heading":
      case "paragraph":
        return this.inline((token as Tokens.Heading | Tokens.Paragraph).tokens);
      case "text": {
        const t = token as Tokens.Text;
        return t.tokens ? this.inline(t.tokens) : t.text;
      }
      case "list": {
        const list = token as Tokens.List;
        const start = typeof list.start === "number" ? list.start : 1;
        return list.items.map((item, i) =>
          `${list.ordered ? `${start + i}.` : "•"} ${this.blocks(item.tokens).replace(/\n+/g, " ")}`
        ).join("\n");
      }
      case "blockquote":
        return this.blocks((token as Tokens.Blockquote).tokens);
      case "code":
        return (token as Tokens.Code).text;
      case "table": {
        const table = token as Tokens.Table;
        const row = (cells: Tokens.TableCell[]) =>
          cells.map((c) => this.inline(c.tokens)).join(" | ");
        return [row(table.header), ...table.rows.map(row)].join("\n");
      }
      case "html":
        return htmlToText((token as Tokens.HTML).text).trim();
      default: // space, hr, def
        return "";
    }
  }

  private inline(tokens: Token[]): string {
    return tokens.map((t) => this.inlineToken(t)).join("");
  }

  private inlineToken(token: Token): string {
    if (token.type === "html") {
      const tag = (token as Tokens.HTML).text;
      if (/^<(script|style)\b/i.test(tag)) this.skipping = true;
      else if (/^<\/(script|style)\s*>/i.test(tag)) this.skipping = false;
      else if (/^<br\b/i.test(tag)) return "\n";
      return "";
    }
    if (this.skipping) return "";
    switch (token.type) {
      case "text":
      case "escape": {
        const t = token as Tokens.Text;
        return t.tokens ? this.inline(t.tokens) : t.text;
      }
      case "strong":
      case "em":
      case "del":
        return this.inline((token as Tokens.Strong).tokens);
      case "codespan":
        return (token as Tokens.Codespan).text;
      case "br":
        return "\n";
      case "link": {
        const link = token as Tokens.Link;
        const text = this.inline(link.tokens);
        const href = link.href.replace(/^mailto:/, "");
        return text === href || text === link.href || !href ? text : `${text} (${link.href})`;
      }
      default: // image: media go through media_urls
        return "";
    }
  }
}

/** Markdown -> plain text for platforms that show no markup; merge tags are removed. */
export function markdownToText(
  markdown: string,
  options: { title?: string; links?: LinkRewriter } = {},
): string {
  const tokens = lex(withoutMergeTags(markdown), options.title, options.links, true);
  return new TextWriter().blocks(tokens)
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Whether HTML already carries Mailchimp's unsubscribe merge tag. */
export function hasUnsubscribeTag(html: string): boolean {
  return html.includes("*|UNSUB|*");
}
