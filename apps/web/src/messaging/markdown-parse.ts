import type { Nodes, Root } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmAutolinkLiteralFromMarkdown } from 'mdast-util-gfm-autolink-literal';
import { gfmStrikethroughFromMarkdown } from 'mdast-util-gfm-strikethrough';
import { gfmAutolinkLiteral } from 'micromark-extension-gfm-autolink-literal';
import { gfmStrikethrough } from 'micromark-extension-gfm-strikethrough';

/**
 * The safe Markdown subset of message text, parsed (rendering: markdown.tsx; ADR 0022). micromark parses
 * CommonMark with GFM strikethrough and autolink literals; the constructs below are switched off, so what
 * they would have matched stays plain text: raw HTML (shown as typed), headings, thematic breaks, images,
 * link reference definitions and indented code (chat text is often indented).
 */
const DISABLED_CONSTRUCTS = [
  'htmlFlow',
  'htmlText',
  'headingAtx',
  'setextUnderline',
  'thematicBreak',
  'definition',
  'labelStartImage',
  'codeIndented',
];

const ALLOWED_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The message as an mdast tree of the subset. */
export function parseMessage(body: string): Root {
  return fromMarkdown(body, {
    extensions: [
      gfmStrikethrough({ singleTilde: false }),
      gfmAutolinkLiteral(),
      { disable: { null: DISABLED_CONSTRUCTS } },
    ],
    mdastExtensions: [gfmStrikethroughFromMarkdown(), gfmAutolinkLiteralFromMarkdown()],
  });
}

/** The href a link may have: an absolute http(s) or mailto URL, normalized by the URL parser; else none. */
export function safeHref(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return ALLOWED_PROTOCOLS.has(parsed.protocol) ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function collect(node: Nodes, out: string[]): void {
  if (node.type === 'text' || node.type === 'inlineCode' || node.type === 'code') out.push(node.value);
  else if (node.type === 'break') out.push(' ');
  if ('children' in node) {
    for (const child of node.children) {
      collect(child, out);
      // Blocks (paragraphs, list items, quotes) are separated by a space.
      if (!['text', 'inlineCode', 'strong', 'emphasis', 'delete', 'link', 'break'].includes(child.type))
        out.push(' ');
    }
  }
}

/** The words of a message without its formatting marks, on one line: for previews. */
export function plainText(body: string): string {
  const out: string[] = [];
  collect(parseMessage(body), out);
  return out.join('').replace(/\s+/g, ' ').trim();
}
