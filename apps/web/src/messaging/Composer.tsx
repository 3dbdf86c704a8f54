import { type Attachment, type Member, type Message, type ReplyTo, replyExcerpt } from '@parley/contract';
import {
  type ChangeEvent,
  type FormEvent,
  type KeyboardEvent,
  type RefObject,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { api, describeError, isApiError } from '../api/client.js';
import { useMessagingStore } from '../realtime/use-messaging.js';
import { uuid } from '../realtime/uuid.js';
import { loadDraft, loadDraftMentions, saveDraft, saveDraftMentions } from './drafts.js';
import { MentionSuggestions } from './MentionSuggestions.js';
import { toggleWrap } from './markdown-edit.js';
import { useMentionSuggestions } from './mention-suggestions.js';
import { fileSize, memberName } from './names.js';
import { ReplyQuote } from './ReplyQuote.js';

const ACCEPT =
  'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain,application/zip,.zip,.txt,.pdf';
const MAX_LENGTH = 4000;

/** Why an upload failed, in words; a refused file name (e.g. hidden characters) says what to do. */
function uploadProblem(error: unknown): string {
  const name = isApiError(error, 'validation_failed') ? error.fieldErrors.name : undefined;
  return name ? `The file name ${name}. Rename the file and attach it again.` : describeError(error);
}

interface Upload {
  key: string;
  file: File;
  sent: number;
  total: number;
  status: 'uploading' | 'done' | 'failed';
  attachment?: Attachment;
  error?: string;
  controller: AbortController;
}

interface ComposerProps {
  conversationId: string;
  /** Conversation name, for the field's label. */
  name: string;
  onSent(): void;
  /** The message being answered, if the user chose Reply on one. */
  replyingTo?: Message | undefined;
  /** Stops replying (the Cancel button, or Escape in the field). */
  onCancelReply?: (() => void) | undefined;
  members?: readonly Member[] | undefined;
  me?: string | undefined;
  /** ↑ in the empty field: starts editing the user's last message; false when there is none. */
  onEditLast?: (() => boolean) | undefined;
  /** The text field, for the conversation to focus (after an edit started from here). */
  inputRef?: RefObject<HTMLTextAreaElement | null> | undefined;
}

/** A reply's quote of its original as the user sees it now. */
function quoteOf(message: Message): ReplyTo {
  return {
    id: message.id,
    seq: message.seq,
    senderId: message.senderId,
    excerpt: message.deletedAt ? '' : replyExcerpt(message.body),
    deleted: message.deletedAt !== null,
  };
}

/**
 * Writes and sends a message: Enter sends, Shift+Enter starts a new line. Files upload as soon as they are
 * chosen, with a progress bar each, and go with the next message. Typing `@` suggests the conversation's
 * members (a text field with a listbox: arrows move, Enter or Tab inserts `@Name`, Escape closes); the
 * people picked whose `@Name` is still in the text at send go with the message as `mentionIds`.
 */
export function Composer({
  conversationId,
  name,
  onSent,
  replyingTo,
  onCancelReply,
  members = [],
  me = '',
  onEditLast,
  inputRef,
}: ComposerProps) {
  const store = useMessagingStore();
  // The unsent text of this conversation, kept across navigation and reloads (drafts.ts).
  const [text, setTextState] = useState(() => loadDraft(store.userId, conversationId));
  const setText = (value: string) => {
    setTextState(value);
    saveDraft(store.userId, conversationId, value);
  };
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [problem, setProblem] = useState<string>();
  /** The selection after a mention was inserted or a selection formatted (applied once rendered). */
  const selectionAfter = useRef<{ start: number; end: number } | undefined>(undefined);
  const textId = useId();
  const hintId = useId();
  const problemId = useId();
  const textarea = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (!inputRef) return;
    inputRef.current = textarea.current;
    return () => {
      inputRef.current = null;
    };
  }, [inputRef]);
  const uploadsRef = useRef(uploads);
  uploadsRef.current = uploads;

  // Choosing Reply on a message puts the cursor here.
  useEffect(() => {
    if (replyingTo) textarea.current?.focus();
  }, [replyingTo]);

  // Where the selection goes once a changed text is in the field (React puts the caret at the end):
  // set before the browser handles the next key, so a shortcut typed right after acts on it.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the new text being rendered is the trigger.
  useLayoutEffect(() => {
    const selection = selectionAfter.current;
    if (selection === undefined) return;
    selectionAfter.current = undefined;
    textarea.current?.setSelectionRange(selection.start, selection.end);
  }, [text]);

  // The `@` suggestions and who was picked (mention-suggestions.ts).
  const [restoredMentions] = useState(() => loadDraftMentions(store.userId, conversationId));
  const mentions = useMentionSuggestions({
    members,
    me,
    text,
    setText,
    textarea,
    selectionAfter,
    picked: {
      restored: restoredMentions,
      save: (picked) => saveDraftMentions(store.userId, conversationId, picked),
    },
  });

  // Leaving the conversation cancels uploads still running.
  useEffect(
    () => () => {
      for (const upload of uploadsRef.current) upload.controller.abort();
    },
    [],
  );

  const update = (key: string, patch: Partial<Upload>) =>
    setUploads((current) => current.map((upload) => (upload.key === key ? { ...upload, ...patch } : upload)));

  const startUpload = (file: File) => {
    const upload: Upload = {
      key: uuid(),
      file,
      sent: 0,
      total: file.size,
      status: 'uploading',
      controller: new AbortController(),
    };
    setUploads((current) => [...current, upload]);
    api
      .uploadAttachment(conversationId, file, {
        signal: upload.controller.signal,
        onProgress: (sent, total) => update(upload.key, { sent, total }),
      })
      .then(
        (attachment) => update(upload.key, { status: 'done', attachment, sent: upload.total }),
        (error: unknown) => {
          if (upload.controller.signal.aborted) return;
          update(upload.key, { status: 'failed', error: uploadProblem(error) });
        },
      );
  };

  const onFiles = (event: ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])];
    event.target.value = '';
    const room = 10 - uploadsRef.current.length;
    if (files.length > room) setProblem('A message can carry at most 10 attachments.');
    for (const file of files.slice(0, Math.max(0, room))) startUpload(file);
  };

  const removeUpload = (key: string) => {
    const upload = uploads.find((entry) => entry.key === key);
    upload?.controller.abort();
    setUploads((current) => current.filter((entry) => entry.key !== key));
    textarea.current?.focus();
  };

  const send = () => {
    const attachments = uploads.flatMap((upload) => (upload.attachment ? [upload.attachment] : []));
    if (uploads.some((upload) => upload.status === 'uploading')) {
      setProblem('Wait for the files to finish uploading, then send.');
      return;
    }
    if (uploads.some((upload) => upload.status === 'failed')) {
      setProblem('Remove the files that could not be uploaded, then send.');
      return;
    }
    if (text.trim() === '' && attachments.length === 0) {
      setProblem('Write a message or attach a file first.');
      return;
    }
    if ([...text].length > MAX_LENGTH) {
      setProblem(`A message can be at most ${MAX_LENGTH} characters.`);
      return;
    }
    const mentionIds = mentions.mentionIds(text);
    store.send(conversationId, text, attachments, replyingTo ? quoteOf(replyingTo) : undefined, mentionIds);
    setText('');
    mentions.reset();
    setUploads([]);
    setProblem(undefined);
    onSent();
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send();
    textarea.current?.focus();
  };

  /** Ctrl+B / Ctrl+I (⌘ on a Mac): wrap the selection in bold or italic markers, or unwrap it. */
  const formatSelection = (element: HTMLTextAreaElement, marker: string) => {
    const next = toggleWrap(
      { text: element.value, start: element.selectionStart, end: element.selectionEnd },
      marker,
    );
    selectionAfter.current = { start: next.start, end: next.end };
    setText(next.text);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (mentions.onKeyDown(event)) return;
    const shortcut = (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey;
    const plain = !event.ctrlKey && !event.metaKey && !event.altKey && !event.shiftKey;
    if (plain && event.key === 'ArrowUp' && text === '' && onEditLast?.()) {
      event.preventDefault();
    } else if (shortcut && (event.key === 'b' || event.key === 'i')) {
      event.preventDefault();
      formatSelection(event.currentTarget, event.key === 'b' ? '**' : '_');
    } else if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    } else if (event.key === 'Escape' && replyingTo) {
      event.preventDefault();
      onCancelReply?.();
    }
  };

  const onChange = (event: ChangeEvent<HTMLTextAreaElement>) => {
    setText(event.target.value);
    mentions.suggestFor(event.target.value, event.target.selectionStart);
    if (problem) setProblem(undefined);
    if (event.target.value.trim() !== '') store.typing(conversationId);
  };

  const length = [...text].length;
  return (
    <form className="composer" onSubmit={onSubmit}>
      {replyingTo ? (
        <div className="composer-reply">
          <ReplyQuote quote={quoteOf(replyingTo)} people={{ members }} me={me} />
          <button
            type="button"
            className="button-link"
            onClick={() => {
              onCancelReply?.();
              textarea.current?.focus();
            }}
          >
            Cancel reply
            <span className="visually-hidden"> to {memberName({ members }, replyingTo.senderId, me)}</span>
          </button>
        </div>
      ) : null}
      {uploads.length > 0 ? (
        <ul className="uploads" aria-label="Attachments">
          {uploads.map((upload) => (
            <li key={upload.key} className={`upload upload-${upload.status}`}>
              <span className="upload-name">
                {upload.file.name} <span className="muted">({fileSize(upload.file.size)})</span>
              </span>
              {upload.status === 'uploading' ? (
                <progress
                  max={upload.total || 1}
                  value={upload.sent}
                  aria-label={`Uploading ${upload.file.name}`}
                />
              ) : null}
              {upload.status === 'done' ? <span className="upload-state">Ready to send</span> : null}
              {upload.status === 'failed' ? (
                <span className="upload-state alert-text">{upload.error}</span>
              ) : null}
              <button type="button" className="button-link" onClick={() => removeUpload(upload.key)}>
                Remove<span className="visually-hidden"> {upload.file.name}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <MentionSuggestions
        suggesting={mentions.suggesting}
        listId={mentions.listId}
        optionId={mentions.optionId}
        onChoose={mentions.choose}
      />
      <div className="composer-row">
        <label className="attach-button" title="Attach files">
          <input type="file" multiple accept={ACCEPT} onChange={onFiles} className="visually-hidden" />
          <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
            <path d="M16.5 6.5 8.6 14.4a2 2 0 0 0 2.8 2.8l8-8a4 4 0 0 0-5.6-5.6l-8.1 8.1a6 6 0 0 0 8.5 8.5l6.3-6.3" />
          </svg>
          <span className="visually-hidden">Attach files</span>
        </label>
        <label htmlFor={textId} className="visually-hidden">
          Message {name}
        </label>
        <textarea
          id={textId}
          ref={textarea}
          className="composer-input"
          rows={1}
          value={text}
          placeholder="Write a message…"
          onChange={onChange}
          onKeyDown={onKeyDown}
          onSelect={mentions.onSelect}
          aria-autocomplete="list"
          aria-controls={mentions.suggesting ? mentions.listId : undefined}
          aria-activedescendant={
            mentions.suggesting ? mentions.optionId(mentions.suggesting.active) : undefined
          }
          aria-describedby={`${hintId}${problem ? ` ${problemId}` : ''}`}
          aria-invalid={problem ? true : undefined}
        />
        <button type="submit" className="button button-primary">
          Send
        </button>
      </div>
      <p className="composer-hint" id={hintId}>
        Enter to send, Shift+Enter for a new line, @ to mention someone, ↑ edits your last message.
        {replyingTo ? ' Escape cancels the reply.' : ''}{' '}
        <span className="composer-formatting">
          **bold** _italic_ ~~strike~~ `code` &gt; quote (Ctrl+B, Ctrl+I).
        </span>
        {length > MAX_LENGTH - 200 ? ` ${length} of ${MAX_LENGTH} characters.` : ''}
      </p>
      {problem ? (
        <p className="field-error" id={problemId} role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}
