import { type Message, type Reaction, reactionEmoji } from '@parley/contract';
import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { reactedBy } from '../realtime/reactions.js';
import { memberName, type People } from './names.js';
import { recentEmoji } from './recent-emoji.js';
import './reactions-and-replies.css';

/** The picker's common emoji, with the words a screen reader says for each button. */
const COMMON: readonly (readonly [string, string])[] = [
  ['👍', 'thumbs up'],
  ['❤️', 'heart'],
  ['😂', 'tears of joy'],
  ['🎉', 'party popper'],
  ['😮', 'surprised'],
  ['😢', 'crying'],
  ['🙏', 'folded hands'],
  ['👀', 'eyes'],
  ['🔥', 'fire'],
  ['✅', 'check mark'],
  ['👏', 'clapping'],
  ['🤔', 'thinking'],
];
const NAMES = new Map(COMMON);

interface ChipsProps {
  message: Message;
  people: People;
  me: string;
  /** Adds or removes the viewer's reaction with this emoji. */
  onToggle(emoji: string): void;
  /** False in a read-only conversation: the viewer's own reactions can still be removed. */
  canAdd: boolean;
}

/**
 * A message's reactions: one chip per emoji with its count, pressed when the viewer is among those who
 * reacted. Who reacted shows in a tooltip on hover and on keyboard focus (Escape hides it); Enter or
 * Space on a chip toggles the viewer's reaction.
 */
export function ReactionChips({ message, people, me, onToggle, canAdd }: ChipsProps) {
  if (message.reactions.length === 0) return null;
  const nameOf = (id: string) => memberName(people, id, me);
  return (
    <ul className="reactions" aria-label="Reactions">
      {message.reactions.map((reaction) => {
        const mine = reaction.userIds.includes(me);
        return (
          <ReactionChip
            key={reaction.emoji}
            reaction={reaction}
            mine={mine}
            who={reactedBy(reaction, me, nameOf)}
            onToggle={mine || canAdd ? onToggle : undefined}
          />
        );
      })}
    </ul>
  );
}

function ReactionChip({
  reaction,
  mine,
  who,
  onToggle,
}: {
  reaction: Reaction;
  mine: boolean;
  who: string;
  onToggle?: ((emoji: string) => void) | undefined;
}) {
  const tipId = useId();
  // WCAG 1.4.13: a tooltip can be dismissed without moving focus or the pointer.
  const [dismissed, setDismissed] = useState(false);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && !dismissed) {
      event.stopPropagation();
      setDismissed(true);
    }
  };
  const count = `${reaction.count} ${reaction.count === 1 ? 'reaction' : 'reactions'}`;
  return (
    <li
      className={`reaction${dismissed ? ' reaction-dismissed' : ''}`}
      onMouseLeave={() => setDismissed(false)}
    >
      <button
        type="button"
        className={`reaction-chip${mine ? ' reaction-mine' : ''}`}
        aria-pressed={mine}
        aria-describedby={tipId}
        aria-disabled={onToggle ? undefined : true}
        onClick={() => onToggle?.(reaction.emoji)}
        onKeyDown={onKeyDown}
        onBlur={() => setDismissed(false)}
      >
        <span className="reaction-emoji">{reaction.emoji}</span>
        <span className="reaction-count" aria-hidden="true">
          {reaction.count}
        </span>
        <span className="visually-hidden">{count}</span>
      </button>
      <span className="reaction-tip" role="tooltip" id={tipId}>
        {who} reacted with {reaction.emoji}
      </span>
    </li>
  );
}

interface PickerProps {
  /** Emoji the viewer has on this message already: picking one of them removes it. */
  mine: ReadonlySet<string>;
  onPick(emoji: string): void;
  /** Closes the picker; focus goes back to what opened it. */
  onClose(): void;
}

/**
 * A small emoji picker shown under a message: recently used and common emoji as buttons (arrow keys move
 * between them), and a field for any other emoji (one emoji, or a short name like `:tada:`). Escape
 * closes it.
 */
export function ReactionPicker({ mine, onPick, onClose }: PickerProps) {
  const [recent] = useState(recentEmoji);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const panel = useRef<HTMLFieldSetElement>(null);
  const inputId = useId();
  const problemId = useId();

  useEffect(() => {
    panel.current?.querySelector<HTMLButtonElement>('button[data-emoji]')?.focus();
    panel.current?.scrollIntoView({ block: 'nearest' });
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onClose();
      return;
    }
    if (!['ArrowRight', 'ArrowLeft', 'Home', 'End'].includes(event.key)) return;
    const buttons = [...(panel.current?.querySelectorAll<HTMLButtonElement>('button[data-emoji]') ?? [])];
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (index === -1) return;
    event.preventDefault();
    const last = buttons.length - 1;
    const next =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? last
          : event.key === 'ArrowRight'
            ? Math.min(last, index + 1)
            : Math.max(0, index - 1);
    buttons[next]?.focus();
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const emoji = reactionEmoji(text.trim());
    if (!emoji) {
      setProblem('Type one emoji, or a name like :tada:.');
      return;
    }
    onPick(emoji);
  };

  const emojiButton = (emoji: string) => {
    const name = NAMES.get(emoji) ?? emoji;
    const removing = mine.has(emoji);
    return (
      <li key={emoji}>
        <button
          type="button"
          className={`picker-emoji${removing ? ' reaction-mine' : ''}`}
          data-emoji={emoji}
          aria-label={`${removing ? 'Remove' : 'React with'} ${name}`}
          title={name}
          onClick={() => onPick(emoji)}
        >
          {emoji}
        </button>
      </li>
    );
  };

  return (
    // A group of buttons and a field, not a form of its own: Escape and arrow keys for the buttons inside.
    <fieldset className="reaction-picker" ref={panel} onKeyDown={onKeyDown}>
      <legend className="visually-hidden">Add a reaction</legend>
      {recent.length > 0 ? (
        <>
          <p className="picker-label">Recent</p>
          <ul className="picker-grid" aria-label="Recent">
            {recent.map(emojiButton)}
          </ul>
        </>
      ) : null}
      <p className="picker-label">Common</p>
      <ul className="picker-grid" aria-label="Common">
        {COMMON.filter(([emoji]) => !recent.includes(emoji)).map(([emoji]) => emojiButton(emoji))}
      </ul>
      <form className="picker-free" onSubmit={submit} noValidate>
        <label htmlFor={inputId} className="picker-label">
          Any emoji
        </label>
        <div className="picker-free-row">
          <input
            id={inputId}
            className="picker-input"
            value={text}
            autoComplete="off"
            enterKeyHint="done"
            maxLength={64}
            onChange={(event) => {
              setText(event.target.value);
              setProblem(undefined);
            }}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? problemId : undefined}
          />
          <button type="submit" className="button button-secondary button-small">
            Add
          </button>
          <button type="button" className="button-link" onClick={onClose}>
            Close
          </button>
        </div>
        {problem ? (
          <p className="field-error" id={problemId} role="alert">
            {problem}
          </p>
        ) : null}
      </form>
    </fieldset>
  );
}
