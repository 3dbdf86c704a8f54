import type { Member } from '@parley/contract';
import { type KeyboardEvent, type RefObject, useId, useRef, useState } from 'react';
import {
  insertMention,
  type MentionQuery,
  mentionIdsIn,
  mentionQueryAt,
  mentionSuggestions,
  type PickedMention,
} from './mentions.js';

/** The open `@` suggestions: what is being typed, who matches, and which one is active. */
export interface Suggesting {
  readonly query: MentionQuery;
  readonly options: readonly Member[];
  readonly active: number;
}

interface MentionOptions {
  members: readonly Member[];
  me: string;
  /** The composer's text, and how it changes it (kept as a draft). */
  text: string;
  setText(value: string): void;
  textarea: RefObject<HTMLTextAreaElement | null>;
  /** Where the composer puts the selection once the changed text is rendered. */
  selectionAfter: RefObject<{ start: number; end: number } | undefined>;
  /** Who was picked in the draft this text was restored from, and where changes to it are kept. */
  picked?: { readonly restored: readonly PickedMention[]; save(picked: readonly PickedMention[]): void };
}

/**
 * The composer's `@` suggestions (a text field with a listbox): typing `@` and a name offers the
 * conversation's members; arrows move, Enter or Tab (or a click) inserts `@Name`, Escape closes until the
 * caret leaves that `@`. Remembers who was picked, for the message's `mentionIds`.
 */
export function useMentionSuggestions({
  members,
  me,
  text,
  setText,
  textarea,
  selectionAfter,
  picked: draft,
}: MentionOptions) {
  const [picked, setPickedState] = useState<readonly PickedMention[]>(() => draft?.restored ?? []);
  const setPicked = (next: readonly PickedMention[]) => {
    setPickedState(next);
    draft?.save(next);
  };
  const [suggesting, setSuggesting] = useState<Suggesting>();
  /** Where the `@` was whose suggestions the user closed with Escape: not offered again until it changes. */
  const dismissed = useRef<number | undefined>(undefined);
  const listId = useId();

  /** Opens, updates or closes the suggestions for the text and caret as they are now. */
  const suggestFor = (value: string, caret: number) => {
    const query = mentionQueryAt(value, caret);
    if (!query || query.start !== dismissed.current) dismissed.current = undefined;
    const options =
      query && dismissed.current === undefined ? mentionSuggestions(members, query.query, me) : [];
    if (!query || options.length === 0) {
      setSuggesting(undefined);
      return;
    }
    setSuggesting((current) => {
      const same = current?.query.start === query.start ? current.options[current.active]?.id : undefined;
      const kept = options.findIndex((option) => option.id === same);
      return { query, options, active: Math.max(kept, 0) };
    });
  };

  const choose = (member: Member) => {
    const field = textarea.current;
    if (!suggesting || !field) return;
    const next = insertMention(text, suggesting.query, field.selectionStart, member.displayName);
    selectionAfter.current = { start: next.caret, end: next.caret };
    setText(next.text);
    setPicked([...picked, { id: member.id, name: member.displayName }]);
    // "@Name " now matches its own name again: not offered until the caret leaves this mention.
    dismissed.current = suggesting.query.start;
    setSuggesting(undefined);
    field.focus();
  };

  /** The suggestions' keys in the text field; true when the key was theirs. */
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): boolean => {
    if (!suggesting || event.nativeEvent.isComposing) return false;
    const count = suggesting.options.length;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : count - 1;
      setSuggesting({ ...suggesting, active: (suggesting.active + step) % count });
      return true;
    }
    if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
      const member = suggesting.options[suggesting.active];
      if (member) {
        event.preventDefault();
        choose(member);
        return true;
      }
    }
    if (event.key === 'Escape') {
      event.preventDefault();
      dismissed.current = suggesting.query.start;
      setSuggesting(undefined);
      return true;
    }
    return false;
  };

  /** Moving the caret (arrows, clicks) opens or closes the suggestions for where it is now. */
  const onSelect = () => {
    const field = textarea.current;
    if (field && field.selectionStart === field.selectionEnd) suggestFor(field.value, field.selectionStart);
  };

  /** Who the message mentions: the people picked whose `@Name` is still in it and who are still members. */
  const mentionIds = (body: string) =>
    // Only people still in the conversation: a picked member may have left since.
    mentionIdsIn(body, picked).filter((id) => members.some((m) => m.id === id));

  /** After a send: nobody picked, nothing suggested. */
  const reset = () => {
    setPicked([]);
    setSuggesting(undefined);
  };

  const optionId = (index: number) => `${listId}-option-${index}`;
  return { suggesting, listId, optionId, suggestFor, choose, onKeyDown, onSelect, mentionIds, reset };
}
