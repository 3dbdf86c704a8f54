import fc from 'fast-check';
import { createElement, Fragment, isValidElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { isPlainText, MessageBody, renderMarkdown, renderParsed } from '../../src/messaging/markdown.js';
import { plainText, safeHref } from '../../src/messaging/markdown-parse.js';

const html = (body: string) => renderToStaticMarkup(createElement(MessageBody, { body }));
/** The HTML inside the body's wrapper. */
const inner = (body: string) => html(body).replace(/^<div class="message-body">|<\/div>$/g, '');

/** Fuzzing takes a few seconds on a quiet machine; CI shares two cores with much else. */
const FUZZ_TIMEOUT = 120_000;

const LINK = 'target="_blank" rel="noopener noreferrer nofollow"';

/** Every element and attribute the renderer may put in the DOM. */
const ALLOWED: Record<string, readonly string[]> = {
  div: ['class'],
  p: [],
  span: ['class'],
  strong: [],
  em: [],
  del: [],
  code: [],
  pre: [],
  br: [],
  blockquote: [],
  ul: [],
  ol: ['start'],
  li: [],
  a: ['href', 'target', 'rel'],
};

const unescapeAttribute = (value: string) =>
  value
    .replaceAll('&quot;', '"')
    .replaceAll('&#x27;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

/**
 * What a browser would build from this markup, checked tag by tag: React's static markup is well-formed
 * (attribute values quoted and escaped, text escaped), so every `<` starts a tag.
 */
function assertSafeMarkup(markup: string): void {
  expect(markup.toLowerCase()).not.toContain('<script');
  for (const tag of markup.matchAll(/<(\/?)([^\s/>]+)([^>]*)>/g)) {
    const name = tag[2] ?? '';
    expect(Object.keys(ALLOWED), `element <${name}>`).toContain(name);
    if (tag[1] === '/') continue;
    for (const attribute of (tag[3] ?? '').matchAll(/\s([^\s=/>]+)(?:="([^"]*)")?/g)) {
      const attributeName = attribute[1] ?? '';
      expect(ALLOWED[name], `attribute ${attributeName} on <${name}>`).toContain(attributeName);
      expect(attributeName.toLowerCase().startsWith('on')).toBe(false);
      expect(attributeName.toLowerCase()).not.toBe('style');
      if (attributeName === 'href') {
        const href = unescapeAttribute(attribute[2] ?? '');
        expect(['http:', 'https:', 'mailto:']).toContain(new URL(href).protocol);
        const squeezed = [...href.toLowerCase()].filter((char) => char > ' ').join('');
        expect(squeezed).not.toMatch(/^(javascript|data|vbscript):/);
      }
    }
  }
}

/** The same on the React elements themselves: only allowed types and props, no handler, no raw HTML. */
function assertSafeElements(nodes: ReactNode): void {
  if (Array.isArray(nodes)) {
    for (const child of nodes) assertSafeElements(child as ReactNode);
    return;
  }
  if (!isValidElement(nodes)) {
    expect(['string', 'number', 'undefined', 'boolean']).toContain(typeof nodes);
    return;
  }
  const props = nodes.props as Record<string, unknown>;
  if (nodes.type !== Fragment) {
    expect(typeof nodes.type).toBe('string');
    const allowed = [...(ALLOWED[nodes.type as string] ?? []), 'children'].map((name) =>
      name === 'class' ? 'className' : name,
    );
    for (const prop of Object.keys(props)) expect(allowed, `prop ${prop}`).toContain(prop);
  }
  expect(props).not.toHaveProperty('dangerouslySetInnerHTML');
  assertSafeElements(props.children as ReactNode);
}

describe('message formatting (safe Markdown subset)', () => {
  it('formats bold, italic, strikethrough and inline code', () => {
    expect(inner('**bold** *it* _it_ ~~gone~~ `a < b`')).toBe(
      '<p><strong>bold</strong> <em>it</em> <em>it</em> <del>gone</del> <code>a &lt; b</code></p>',
    );
    // A single tilde is not strikethrough ("~5 minutes"); underscores inside words are not emphasis.
    expect(inner('~5 minutes~ snake_case_name')).toBe('<p>~5 minutes~ snake_case_name</p>');
  });

  it('shows fenced code blocks as monospace blocks without formatting inside', () => {
    expect(inner('```ts\nconst a = **1** < 2;\n```')).toBe('<pre><code>const a = **1** &lt; 2;</code></pre>');
  });

  it('formats block quotes and lists, keeping an ordered list’s start', () => {
    expect(inner('> quoted\n> more')).toBe('<blockquote><p>quoted\nmore</p></blockquote>');
    expect(inner('- one\n- two')).toBe(
      '<ul><li><span class="md-line">one</span></li><li><span class="md-line">two</span></li></ul>',
    );
    expect(inner('3. three\n4. four')).toBe(
      '<ol start="3"><li><span class="md-line">three</span></li><li><span class="md-line">four</span></li></ol>',
    );
    expect(inner('- one\n\n- two')).toBe('<ul><li><p>one</p></li><li><p>two</p></li></ul>');
  });

  it('keeps line breaks of the text (soft breaks stay newlines, hard breaks are <br>)', () => {
    expect(inner('one\ntwo\\\nthree')).toBe('<p>one\ntwo<br/>three</p>');
  });

  it('links http, https, mailto, www. and e-mail addresses, opening them in a new tab', () => {
    expect(inner('[docs](https://example.com/a?b=1) <http://example.org>')).toBe(
      `<p><a href="https://example.com/a?b=1" ${LINK}>docs</a> <a href="http://example.org/" ${LINK}>http://example.org</a></p>`,
    );
    expect(inner('see www.example.com, or ada@example.com.')).toBe(
      `<p>see <a href="http://www.example.com/" ${LINK}>www.example.com</a>, or <a href="mailto:ada@example.com" ${LINK}>ada@example.com</a>.</p>`,
    );
    expect(inner('[mail](mailto:ada@example.com)')).toBe(
      `<p><a href="mailto:ada@example.com" ${LINK}>mail</a></p>`,
    );
  });

  it('shows links with any other scheme, or relative ones, as the text that was typed', () => {
    for (const body of [
      '[x](javascript:alert(1))',
      '[x](JaVaScRiPt:alert(1))',
      '[x](java&#115;cript:alert(1))',
      '[x](data:text/html,<b>hi</b>)',
      '[x](vbscript:msgbox)',
      '[x](/relative)',
      '[x](file:///etc/passwd)',
    ]) {
      expect(inner(body)).toBe(
        `<p>${body.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')}</p>`,
      );
    }
    expect(inner('<javascript:alert(1)>')).toBe('<p>&lt;javascript:alert(1)&gt;</p>');
  });

  it('shows raw HTML as the text that was typed', () => {
    expect(inner('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(inner('<img src=x onerror=alert(1)>')).toBe('<p>&lt;img src=x onerror=alert(1)&gt;</p>');
    expect(inner('hi <b style="color:red" onclick="x()">there</b>')).toBe(
      '<p>hi &lt;b style=&quot;color:red&quot; onclick=&quot;x()&quot;&gt;there&lt;/b&gt;</p>',
    );
    expect(inner('<!-- hidden -->')).toBe('<p>&lt;!-- hidden --&gt;</p>');
  });

  it('leaves headings, rules, images, definitions and indented code as text', () => {
    expect(inner('# Not a heading\n---')).toBe('<p># Not a heading\n---</p>');
    expect(inner('![alt](https://example.com/a.png)')).toBe(
      `<p>!<a href="https://example.com/a.png" ${LINK}>alt</a></p>`,
    );
    expect(inner('[a]: https://example.com\n[a]')).toContain('[a]: ');
    expect(inner('    indented')).toBe('<p>indented</p>');
  });

  it('lets plain text be rendered by the caller (for @mentions), but not code or addresses', () => {
    const seen: string[] = [];
    const nodes = renderMarkdown('hi **@ada** `@code` https://x.example/@y', {
      renderText: (text, key) => {
        seen.push(text);
        return createElement('mark', { key }, text);
      },
    });
    expect(seen).toEqual(['hi ', '@ada', ' ', ' ']);
    expect(renderToStaticMarkup(createElement(Fragment, null, nodes))).toContain(
      '<strong><mark>@ada</mark></strong>',
    );
  });

  it('accepts only absolute http, https and mailto addresses as hrefs', () => {
    expect(safeHref('https://example.com')).toBe('https://example.com/');
    expect(safeHref('mailto:a@b.example')).toBe('mailto:a@b.example');
    expect(safeHref(' javascript:alert(1)')).toBeUndefined();
    expect(safeHref('\u0000javascript:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,x')).toBeUndefined();
    expect(safeHref('//example.com')).toBeUndefined();
  });

  it('gives the words without formatting marks for previews', () => {
    expect(
      plainText('**Plan** for _today_:\n\n- `npm test`\n- [docs](https://x.example)\n\n> <b>hi</b>'),
    ).toBe('Plan for today: npm test docs <b>hi</b>');
    expect(plainText('# not a heading, 2 * 3 = 6')).toBe('# not a heading, 2 * 3 = 6');
  });

  // Fragments that mean something to Markdown, HTML or URLs, so the generated bodies hit the parser's edges.
  const fragment = fc.oneof(
    fc.constantFrom(
      '*',
      '**',
      '_',
      '~~',
      '`',
      '```',
      '\n',
      '\n\n',
      '> ',
      '- ',
      '1. ',
      '    ',
      '[',
      ']',
      '](',
      '(',
      ')',
      '<',
      '>',
      '</',
      '/>',
      '"',
      "'",
      '=',
      '&',
      '&#',
      '&#x6a;',
      '&colon;',
      ';',
      '\\',
      '!',
      ' ',
      '\t',
      '\u0000',
      'script',
      'img src=x',
      'onerror=',
      'onclick',
      'style',
      'javascript:',
      'JAVASCRIPT:',
      'java\tscript:',
      'data:',
      'vbscript:',
      'http://',
      'https://',
      'mailto:',
      'www.',
      'example.com',
      '@',
      'alert(1)',
      'iframe',
      'svg',
      'a href=',
    ),
    fc.string({ maxLength: 6 }),
    fc.string({ unit: 'grapheme', maxLength: 4 }),
  );
  const body = fc.array(fragment, { maxLength: 40 }).map((parts) => parts.join(''));

  it(
    'never yields script, handlers, styles or unsafe URLs, whatever is typed (fuzzed)',
    () => {
      fc.assert(
        fc.property(body, (text) => {
          const nodes = renderMarkdown(text);
          assertSafeElements(nodes);
          assertSafeMarkup(html(text));
        }),
        { numRuns: 1500 },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'never yields them from arbitrary Unicode either (fuzzed)',
    () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
          assertSafeElements(renderMarkdown(text));
          assertSafeMarkup(html(text));
        }),
        { numRuns: 500 },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'renders plain one-line text without the parser, exactly as the parser would (fuzzed)',
    () => {
      const markup = (nodes: ReactNode) => renderToStaticMarkup(createElement(Fragment, null, nodes));
      expect(isPlainText('Lunch at noon? Sure, see you there.')).toBe(true);
      for (const text of ['2024. was good', '- item', '> quote', 'a*b', 'see www.example.com', 'a@b.example'])
        expect(isPlainText(text), text).toBe(false);
      const character = fc.constantFrom(
        ...'aZé中 \t0123456789.,;:?!()-+=#>*_~`[]<>\\&@/\'"|{}$%^\u00a0\u3000\u200b'.split(''),
        'www.',
        'http://',
        'mailto:',
        '\n',
      );
      let plainCases = 0;
      fc.assert(
        fc.property(
          fc.array(character, { maxLength: 30 }).map((parts) => parts.join('')),
          (text) => {
            if (!isPlainText(text)) return;
            plainCases += 1;
            expect(markup(renderMarkdown(text))).toBe(markup(renderParsed(text)));
          },
        ),
        { numRuns: 3000 },
      );
      // Not vacuous: many generated texts took the fast path.
      expect(plainCases).toBeGreaterThan(100);
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
          if (!isPlainText(text)) return;
          expect(markup(renderMarkdown(text))).toBe(markup(renderParsed(text)));
        }),
        { numRuns: 1000 },
      );
    },
    FUZZ_TIMEOUT,
  );

  it('the checks above do catch unsafe markup', () => {
    expect(() => assertSafeMarkup('<a href="javascript:alert(1)">x</a>')).toThrow();
    expect(() => assertSafeMarkup('<p onclick="x">x</p>')).toThrow();
    expect(() => assertSafeMarkup('<p style="x">x</p>')).toThrow();
    expect(() => assertSafeMarkup('<img src="x"/>')).toThrow();
    expect(() => assertSafeElements(createElement('p', { onClick: () => {} }))).toThrow();
  });
});
