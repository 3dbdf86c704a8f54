import { type ReactNode, useCallback, useMemo } from 'react';
import { MessageBody } from './markdown.js';
import './mentions.css';
import { mentionSegments } from './mentions.js';
import type { People } from './names.js';

/** Members and former members by id, for the names mentions show. */
function nameOf(people: People, id: string): string | undefined {
  return (
    people.members.find((member) => member.id === id)?.displayName ??
    people.formerMembers?.find((member) => member.id === id)?.displayName
  );
}

/**
 * A message's text: the safe Markdown subset (markdown.tsx), and in its plain text runs each mention of a
 * member as a highlighted `@Name`, the user's own mentions emphasised. Only React text nodes and
 * elements: nothing is parsed as HTML.
 */
export function MessageText({
  body,
  mentionIds,
  people,
  me,
}: {
  body: string;
  mentionIds?: readonly string[] | undefined;
  people: People;
  me: string;
}) {
  const mentioned = useMemo(
    () =>
      (mentionIds ?? []).flatMap((id) => {
        const name = nameOf(people, id);
        return name ? [{ id, name }] : [];
      }),
    [mentionIds, people],
  );
  const renderText = useCallback(
    (text: string, key: string): ReactNode => {
      let offset = 0;
      return mentionSegments(text, mentioned).map((segment) => {
        const at = `${key}.${offset}`;
        offset += segment.text.length;
        if (segment.kind === 'text') return <span key={at}>{segment.text}</span>;
        return segment.userId === me ? (
          <strong key={at} className="mention mention-me">
            {segment.text}
            <span className="visually-hidden"> (mentions you)</span>
          </strong>
        ) : (
          <span key={at} className="mention">
            {segment.text}
          </span>
        );
      });
    },
    [mentioned, me],
  );
  return <MessageBody body={body} renderText={mentioned.length > 0 ? renderText : undefined} />;
}
