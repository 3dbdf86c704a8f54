import type { Nodes, Parents, PhrasingContent, RootContent } from 'mdast';
import { Fragment, type ReactNode, useMemo } from 'react';
import { parseMessage, safeHref } from './markdown-parse.js';
import './markdown.css';

/**
 * Message formatting: a safe Markdown subset, parsed by micromark (CommonMark, via mdast-util-from-markdown)
 * and mapped to React elements here, node type by node type (ADR 0022).
 *
 * - Allowed: bold, italic, ~~strikethrough~~, `inline code`, fenced code blocks, block quotes, lists,
 *   links (`[text](url)`, `<url>`, bare `https://…`, `www.…` and e-mail addresses).
 * - Switched off in the parser, so the characters stay text: raw HTML (shown as typed), headings, thematic
 *   breaks, images, link reference definitions and indented code (chat text is often indented).
 * - Only the element types and attributes written below reach the DOM: no HTML string is ever produced,
 *   no `dangerouslySetInnerHTML`, no style, no event handler; a link's address must parse as an absolute
 *   http:, https: or mailto: URL, otherwise what was typed is shown as text.
 */

export interface RenderOptions {
  /**
   * Renders a run of plain text (not code, not a link's address), e.g. to highlight @mentions; the
   * default returns the text itself. Whatever it returns is placed as React children.
   */
  renderText?: ((text: string, key: string) => ReactNode) | undefined;
}

type Render = (text: string, key: string) => ReactNode;

const plain: Render = (text) => text;

/** What was typed for a node, for nodes shown as text (a refused link): the source slice. */
function source(node: Nodes, body: string): string {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  if (start === undefined || end === undefined) return 'value' in node ? node.value : '';
  return body.slice(start, end);
}

function children(parent: Parents, body: string, render: Render, key: string, tight = false): ReactNode[] {
  return parent.children.map((child: RootContent, index) =>
    node(child, body, render, `${key}.${index}`, tight),
  );
}

function node(current: RootContent, body: string, render: Render, key: string, tight: boolean): ReactNode {
  switch (current.type) {
    case 'paragraph':
      // A tight list's items hold their text directly, as in CommonMark's HTML.
      return tight ? (
        <span key={key} className="md-line">
          {children(current, body, render, key)}
        </span>
      ) : (
        <p key={key}>{children(current, body, render, key)}</p>
      );
    case 'text':
      return <Fragment key={key}>{render(current.value, key)}</Fragment>;
    case 'strong':
      return <strong key={key}>{children(current, body, render, key)}</strong>;
    case 'emphasis':
      return <em key={key}>{children(current, body, render, key)}</em>;
    case 'delete':
      return <del key={key}>{children(current, body, render, key)}</del>;
    case 'inlineCode':
      return <code key={key}>{current.value}</code>;
    case 'code':
      return (
        <pre key={key}>
          <code>{current.value}</code>
        </pre>
      );
    case 'break':
      return <br key={key} />;
    case 'blockquote':
      return <blockquote key={key}>{children(current, body, render, key)}</blockquote>;
    case 'list': {
      const items = current.children.map((item, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a parsed body is fixed; its nodes' places are their identity.
        <li key={`${key}.${index}`}>
          {children(item, body, render, `${key}.${index}`, current.spread !== true && item.spread !== true)}
        </li>
      ));
      return current.ordered ? (
        <ol key={key} start={current.start != null && current.start !== 1 ? current.start : undefined}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case 'link': {
      const href = safeHref(current.url);
      if (!href) return <Fragment key={key}>{render(source(current, body), key)}</Fragment>;
      return (
        <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow">
          {/* A link's text is left alone by the caller's text renderer (no mention inside an address). */}
          {(current.children as PhrasingContent[]).map((child, index) =>
            node(child, body, plain, `${key}.${index}`, false),
          )}
        </a>
      );
    }
    default:
      // Nothing else is produced with the constructs above; should it ever be, it is shown as typed.
      return <Fragment key={key}>{render(source(current, body), key)}</Fragment>;
  }
}

/**
 * Text the parser would turn into one paragraph of itself, trimmed: one line, starting with a letter or a
 * digit (not a list number), without any character or word that can start formatting, a link, an
 * escape or a character reference. Most chat messages are such text, and skip the parser.
 */
const SPECIAL = /[*_~`[\]<>\\&!\n\r\f\v\0@]|:\/\/|www\.|mailto:/i;
const trimSpaces = (text: string) => text.replace(/^[ \t]+|[ \t]+$/g, '');
export function isPlainText(body: string): boolean {
  const text = trimSpaces(body);
  return /^[\p{L}\p{N}]/u.test(text) && !/^\d{1,9}[.)]/.test(text) && !SPECIAL.test(text);
}

/** The message body as React elements of the subset, always through the parser. */
export function renderParsed(body: string, options: RenderOptions = {}): ReactNode[] {
  return children(parseMessage(body), body, options.renderText ?? plain, 'md');
}

/** The message body as React elements of the subset (see the module comment). */
export function renderMarkdown(body: string, options: RenderOptions = {}): ReactNode[] {
  if (!isPlainText(body)) return renderParsed(body, options);
  const render = options.renderText ?? plain;
  return [<p key="md.0">{render(trimSpaces(body), 'md.0.0')}</p>];
}

/** A message's text, formatted. Parsed once per body (and text renderer). */
export function MessageBody({
  body,
  renderText,
  className = 'message-body',
}: {
  body: string;
  className?: string | undefined;
} & RenderOptions) {
  const content = useMemo(() => renderMarkdown(body, { renderText }), [body, renderText]);
  return <div className={className}>{content}</div>;
}
