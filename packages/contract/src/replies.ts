/** Characters of an original's text a reply quotes (graphemes, whitespace folded). */
export const REPLY_EXCERPT_LENGTH = 100;

let graphemes: Intl.Segmenter | undefined;

/**
 * The start of a message's text as a reply quotes it (`ReplyTo.excerpt`): whitespace folded to single
 * spaces, cut at a grapheme boundary (never inside an emoji or a combined letter), with an ellipsis when
 * longer than `REPLY_EXCERPT_LENGTH`. The server and clients quote with this one function.
 */
export function replyExcerpt(body: string): string {
  const text = body.replace(/\s+/gu, ' ').trim();
  if (text.length <= REPLY_EXCERPT_LENGTH) return text;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const parts: string[] = [];
  for (const { segment } of graphemes.segment(text)) {
    if (parts.length === REPLY_EXCERPT_LENGTH) return `${parts.join('').trimEnd()}…`;
    parts.push(segment);
  }
  return text;
}
