import type { Message } from '@parley/contract';
import { messageTime, type People, systemEventText } from './names.js';
import './groups.css';

/**
 * A timeline line in the thread ("Ada added Cyd", "Dan left", "Ada renamed the group to …"): centred,
 * muted, no bubble and no actions. It is an event of the conversation, not something anyone said.
 */
export function SystemLine({ message, people, me }: { message: Message; people: People; me: string }) {
  return (
    <li className="system-line" data-seq={message.seq} tabIndex={-1}>
      <span className="system-line-text">{systemEventText(people, message, me)}</span>{' '}
      <time className="system-line-time" dateTime={message.createdAt}>
        {messageTime(message.createdAt)}
      </time>
    </li>
  );
}
