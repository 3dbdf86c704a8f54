import type { Member } from '@parley/contract';
import type { Suggesting } from './mention-suggestions.js';

interface MentionSuggestionsProps {
  suggesting: Suggesting | undefined;
  listId: string;
  optionId(index: number): string;
  onChoose(member: Member): void;
}

/**
 * The `@` suggestions under the composer (see useMentionSuggestions): a listbox the text field points into
 * with aria-activedescendant, and a status line that tells screen readers how to use it.
 */
export function MentionSuggestions({ suggesting, listId, optionId, onChoose }: MentionSuggestionsProps) {
  return (
    <>
      {suggesting ? (
        <div className="mention-suggestions" id={listId} role="listbox" aria-label="People to mention">
          {suggesting.options.map((member, index) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard stays in the text field (arrows, Enter, Tab), which points here with aria-activedescendant.
            <div
              key={member.id}
              id={optionId(index)}
              role="option"
              tabIndex={-1}
              aria-selected={index === suggesting.active}
              className={`mention-option${index === suggesting.active ? ' is-active' : ''}`}
              // Keeps the focus (and the caret) in the text field.
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => onChoose(member)}
            >
              {member.displayName}
            </div>
          ))}
        </div>
      ) : null}
      <p className="visually-hidden" role="status">
        {suggesting
          ? `${suggesting.options.length} ${suggesting.options.length === 1 ? 'person' : 'people'} to mention. Up and down arrows to choose, Enter to insert, Escape to close.`
          : ''}
      </p>
    </>
  );
}
