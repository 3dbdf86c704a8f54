import { linkify } from './linkify.js';
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
 * A message's text: links for http(s) URLs (see linkify) and each mention of a member as a highlighted
 * `@Name`, the user's own mentions emphasised. Only React text nodes and elements: nothing is parsed as
 * HTML.
 */
export function MessageText({
  body,
  mentionIds = [],
  people,
  me,
}: {
  body: string;
  mentionIds?: readonly string[] | undefined;
  people: People;
  me: string;
}) {
  const mentioned = mentionIds.flatMap((id) => {
    const name = nameOf(people, id);
    return name ? [{ id, name }] : [];
  });
  if (mentioned.length === 0) return <>{linkify(body)}</>;
  let offset = 0;
  return (
    <>
      {mentionSegments(body, mentioned).map((segment) => {
        const key = offset;
        offset += segment.text.length;
        if (segment.kind === 'text') return <span key={key}>{linkify(segment.text)}</span>;
        return segment.userId === me ? (
          <strong key={key} className="mention mention-me">
            {segment.text}
            <span className="visually-hidden"> (mentions you)</span>
          </strong>
        ) : (
          <span key={key} className="mention">
            {segment.text}
          </span>
        );
      })}
    </>
  );
}
