import type { ReplyTo } from '@parley/contract';
import { plainText } from './markdown-parse.js';
import { memberName, type People } from './names.js';
import './reactions-and-replies.css';

interface ReplyQuoteProps {
  quote: ReplyTo;
  people: People;
  me: string;
  /** Shows the original (loading history around it when needed); absent for a message not sent yet. */
  onJump?: ((seq: number) => void) | undefined;
}

/** The quoted original above a reply: its sender and the start of its text, or that it was deleted. */
export function ReplyQuote({ quote, people, me, onJump }: ReplyQuoteProps) {
  const sender = memberName(people, quote.senderId, me);
  // The words of the original, without its formatting marks.
  const text = quote.deleted ? 'Message deleted' : plainText(quote.excerpt) || 'An attachment';
  const content = (
    <>
      <span className="visually-hidden">In reply to </span>
      <span className="reply-quote-sender">{sender}</span>
      <span className="visually-hidden">: </span>
      <span className={`reply-quote-text${quote.deleted ? ' reply-quote-deleted' : ''}`}>{text}</span>
    </>
  );
  if (!onJump) return <p className="reply-quote">{content}</p>;
  return (
    <button type="button" className="reply-quote" onClick={() => onJump(quote.seq)}>
      {content}
      <span className="visually-hidden">. Show the original message.</span>
    </button>
  );
}
