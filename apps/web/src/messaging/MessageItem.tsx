import type { Attachment, Message, ReplyTo } from '@parley/contract';
import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { describeError } from '../api/client.js';
import type { OutboxItem } from '../realtime/outbox.js';
import { hasReacted } from '../realtime/reactions.js';
import { useMessagingStore } from '../realtime/use-messaging.js';
import { ImageAttachment } from './ImageViewer.js';
import { MessageText } from './MessageText.js';
import { fileSize, memberName, messageTime, type People } from './names.js';
import { ReactionChips, ReactionPicker } from './Reactions.js';
import { ReplyQuote } from './ReplyQuote.js';
import { noteEmoji } from './recent-emoji.js';

function attachmentUrl(attachment: Attachment): string {
  return `/api/attachments/${encodeURIComponent(attachment.id)}`;
}

function Attachments({ attachments }: { attachments: readonly Attachment[] }) {
  if (attachments.length === 0) return null;
  return (
    <ul className="attachments">
      {attachments.map((attachment) => {
        const url = attachmentUrl(attachment);
        const image = /^image\/(png|jpeg|gif|webp)$/.test(attachment.contentType);
        return (
          <li key={attachment.id} className="attachment">
            {image ? <ImageAttachment attachment={attachment} url={url} /> : null}
            <a className="attachment-link" href={url} download={attachment.name}>
              <span aria-hidden="true">⤓ </span>
              Download {attachment.name}
              <span className="attachment-size"> ({fileSize(attachment.size)})</span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}

interface MessageItemProps {
  message: Message;
  /** The conversation's members and former members, for the sender's name. */
  people: People;
  me: string;
  /** Shown under the user's latest message: who has read up to it. */
  seenBy?: string | undefined;
  /**
   * In a read-only conversation your messages can be deleted but no longer edited, nobody replies or
   * adds a reaction, and your own reactions can still be removed.
   */
  readOnly?: boolean | undefined;
  /** What this message replies to, as it is now (see `currentQuote`). */
  quote?: ReplyTo | undefined;
  /** Starts a reply to this message in the composer. */
  onReply?: ((message: Message) => void) | undefined;
  /** Shows another message of the thread (a reply's original) by its seq. */
  onJump?: ((seq: number) => void) | undefined;
  /** Just jumped to: marked for a moment (a reply's original), or while shown (a search result). */
  highlighted?: boolean | undefined;
  /**
   * Follows a message of the same sender within a few minutes: the name and time are not shown again
   * (screen readers still hear them).
   */
  continued?: boolean | undefined;
  /** Changes (a new number) when ↑ in the empty composer asks to edit this message. */
  editRequest?: number | undefined;
  /** An edit asked for from the composer has ended (saved or cancelled): focus goes back there. */
  onEditEnd?: (() => void) | undefined;
  /** The message a search result opened: announced as such, and the current item of the list. */
  searchResult?: boolean | undefined;
}

/**
 * One stored message: sender, time, the message it replies to, text (the safe Markdown subset of
 * markdown.tsx), attachments, reactions, actions (reply and react for everyone; edit and delete for the
 * sender).
 */
export function MessageItem({
  message,
  people,
  me,
  seenBy,
  readOnly,
  quote,
  onReply,
  onJump,
  highlighted,
  continued,
  editRequest,
  onEditEnd,
  searchResult,
}: MessageItemProps) {
  const store = useMessagingStore();
  const mine = message.senderId === me;
  const deleted = message.deletedAt !== null;
  const [mode, setMode] = useState<'view' | 'edit' | 'confirm-delete'>('view');
  const [picking, setPicking] = useState(false);
  const reactRef = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const editRef = useRef<HTMLTextAreaElement>(null);
  const actionsRef = useRef<HTMLDivElement>(null);
  const editId = useId();
  const sender = memberName(people, message.senderId, me);

  const keepRef = useRef<HTMLButtonElement>(null);
  // Editing started from the composer (↑): ending it returns there rather than to this message's actions.
  const fromComposer = useRef(false);
  useEffect(() => {
    if (editRequest === undefined) return;
    fromComposer.current = true;
    setProblem(undefined);
    setMode('edit');
  }, [editRequest]);
  useEffect(() => {
    if (mode === 'edit') editRef.current?.focus();
    // Asking to confirm moves focus to the safe answer, so it is not lost with the Delete button.
    if (mode === 'confirm-delete') keepRef.current?.focus();
  }, [mode]);

  const backToView = () => {
    setMode('view');
    setProblem(undefined);
    if (fromComposer.current) {
      fromComposer.current = false;
      onEditEnd?.();
      return;
    }
    // Focus returns to the message's actions, not to the top of the page.
    requestAnimationFrame(() => actionsRef.current?.querySelector('button')?.focus());
  };

  const saveEdit = (event?: FormEvent) => {
    event?.preventDefault();
    const body = editRef.current?.value ?? '';
    if (busy) return;
    if (body.trim() === '') {
      setProblem('A message needs some text. To remove it, delete it instead.');
      return;
    }
    if (body === message.body) {
      backToView();
      return;
    }
    setBusy(true);
    store.edit(message, body).then(
      () => {
        setBusy(false);
        backToView();
      },
      (error: unknown) => {
        setBusy(false);
        setProblem(describeError(error));
      },
    );
  };

  const onEditKey = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      backToView();
    } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      saveEdit();
    }
  };

  const toggleReaction = (emoji: string) => {
    const on = !hasReacted(message, emoji, me);
    if (on) noteEmoji(emoji);
    setProblem(undefined);
    store.react(message, emoji, on).catch((error: unknown) => setProblem(describeError(error)));
  };

  const closePicker = () => {
    setPicking(false);
    requestAnimationFrame(() => reactRef.current?.focus());
  };

  const confirmDelete = () => {
    if (busy) return;
    setBusy(true);
    store.remove(message).then(
      () => {
        setBusy(false);
        setMode('view');
      },
      (error: unknown) => {
        setBusy(false);
        setProblem(describeError(error));
      },
    );
  };

  return (
    <li
      className={`message${mine ? ' message-mine' : ''}${deleted ? ' message-deleted' : ''}${highlighted ? ' message-highlight' : ''}${continued ? ' message-continued' : ''}`}
      data-seq={message.seq}
      // Focused after a jump to it (a reply's original, a search result), so keyboard and screen reader
      // users land here.
      tabIndex={-1}
      aria-current={searchResult ? 'true' : undefined}
    >
      {searchResult ? <span className="visually-hidden">Search result: </span> : null}
      <div className="bubble">
        <p className={continued ? 'message-meta message-meta-continued' : 'message-meta'}>
          <span className={continued ? 'message-sender visually-hidden' : 'message-sender'}>{sender}</span>{' '}
          <time dateTime={message.createdAt} className={continued ? 'visually-hidden' : undefined}>
            {messageTime(message.createdAt)}
          </time>
          {message.editedAt && !deleted ? (
            <span className="message-edited">{continued ? 'edited' : ' · edited'}</span>
          ) : null}
        </p>
        {quote && !deleted ? <ReplyQuote quote={quote} people={people} me={me} onJump={onJump} /> : null}
        {deleted ? (
          <p className="message-tombstone">Message deleted</p>
        ) : mode === 'edit' ? (
          <form className="edit-form" onSubmit={saveEdit}>
            <label htmlFor={editId} className="visually-hidden">
              Edit message
            </label>
            <textarea
              id={editId}
              ref={editRef}
              defaultValue={message.body}
              onKeyDown={onEditKey}
              rows={Math.min(6, message.body.split('\n').length + 1)}
            />
            <div className="edit-actions">
              <button
                type="submit"
                className="button button-primary button-small"
                aria-disabled={busy || undefined}
              >
                {busy ? 'Saving…' : 'Save'}
              </button>
              <button type="button" className="button button-secondary button-small" onClick={backToView}>
                Cancel
              </button>
            </div>
          </form>
        ) : message.body ? (
          <MessageText body={message.body} mentionIds={message.mentionIds} people={people} me={me} />
        ) : null}
        {deleted ? null : <Attachments attachments={message.attachments} />}
        {problem ? (
          <p className="message-problem" role="alert">
            {problem}
          </p>
        ) : null}
      </div>
      {deleted ? null : (
        <ReactionChips
          message={message}
          people={people}
          me={me}
          onToggle={toggleReaction}
          canAdd={!readOnly}
        />
      )}
      {!deleted && mode !== 'edit' && (mine || !readOnly) ? (
        <div
          className={`message-actions${mode === 'view' && !picking ? ' message-actions-quiet' : ''}`}
          ref={actionsRef}
        >
          {mode === 'confirm-delete' ? (
            <>
              <span className="confirm-text">Delete this message for everyone?</span>
              <button type="button" className="button-link danger" onClick={confirmDelete}>
                {busy ? 'Deleting…' : 'Yes, delete'}
              </button>
              <button type="button" className="button-link" onClick={backToView} ref={keepRef}>
                Keep it
              </button>
            </>
          ) : (
            <>
              {readOnly ? null : (
                <>
                  <button type="button" className="button-link" onClick={() => onReply?.(message)}>
                    Reply
                    <span className="visually-hidden">
                      {' '}
                      to {sender}, {messageTime(message.createdAt)}
                    </span>
                  </button>
                  <button
                    type="button"
                    className="button-link"
                    ref={reactRef}
                    aria-expanded={picking}
                    onClick={() => (picking ? closePicker() : setPicking(true))}
                  >
                    React
                    <span className="visually-hidden">
                      {' '}
                      to {sender}, {messageTime(message.createdAt)}
                    </span>
                  </button>
                </>
              )}
              {mine && message.body && !readOnly ? (
                <button type="button" className="button-link" onClick={() => setMode('edit')}>
                  Edit<span className="visually-hidden"> message sent {messageTime(message.createdAt)}</span>
                </button>
              ) : null}
              {mine ? (
                <button type="button" className="button-link" onClick={() => setMode('confirm-delete')}>
                  Delete
                  <span className="visually-hidden"> message sent {messageTime(message.createdAt)}</span>
                </button>
              ) : null}
            </>
          )}
        </div>
      ) : null}
      {picking && !deleted ? (
        <ReactionPicker
          mine={new Set(message.reactions.filter((r) => r.userIds.includes(me)).map((r) => r.emoji))}
          onPick={(emoji) => {
            toggleReaction(emoji);
            closePicker();
          }}
          onClose={closePicker}
        />
      ) : null}
      {seenBy ? <p className="message-seen">{seenBy}</p> : null}
    </li>
  );
}

/** Whole seconds from now until `at` (ms), in words. */
function secondsUntil(at: number): string {
  const seconds = Math.max(1, Math.ceil((at - Date.now()) / 1000));
  return seconds === 1 ? 'a second' : `${seconds} seconds`;
}

/** A message the server has not acknowledged yet: "Sending…", or failed with Retry and Discard. */
export function PendingItem({
  item,
  members,
  me,
}: {
  item: OutboxItem;
  members: People['members'];
  me: string;
}) {
  const store = useMessagingStore();
  const failed = item.status === 'failed';
  const waiting = !failed && item.retryAt !== undefined;
  return (
    <li className={`message message-mine message-pending${failed ? ' message-failed' : ''}`}>
      <div className="bubble">
        <p className="message-meta">
          <span className="message-sender">You</span>{' '}
          <span className="message-state">
            {failed ? 'Not sent' : waiting ? 'Waiting to send' : 'Sending…'}
          </span>
        </p>
        {item.replyTo ? <ReplyQuote quote={item.replyTo} people={{ members }} me={me} /> : null}
        {item.body ? (
          <MessageText body={item.body} mentionIds={item.mentionIds} people={{ members }} me={me} />
        ) : null}
        {item.attachments.length > 0 ? (
          <ul className="attachments">
            {item.attachments.map((attachment) => (
              <li key={attachment.id} className="attachment">
                {attachment.name} ({fileSize(attachment.size)})
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {waiting ? (
        <p className="message-actions message-waiting" role="status">
          You’re sending messages faster than Parley allows. This one will be sent automatically in{' '}
          {secondsUntil(item.retryAt ?? 0)}.
        </p>
      ) : null}
      {failed ? (
        <div className="message-actions message-failure" role="alert">
          <span className="failure-text">{item.error ?? 'Not sent.'}</span>
          <button type="button" className="button-link" onClick={() => store.retry(item.clientId)}>
            Retry
          </button>
          <button type="button" className="button-link" onClick={() => store.discard(item.clientId)}>
            Discard
          </button>
        </div>
      ) : null}
    </li>
  );
}
