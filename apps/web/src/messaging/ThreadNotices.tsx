import type { Conversation } from '@parley/contract';
import { useEffect, useState } from 'react';
import { useMessaging } from '../realtime/use-messaging.js';
import { Link } from '../router/router.js';
import { useHeadingFocus } from './heading-focus.js';

/** The connection's state in words, when it is not simply live. */
export function ConnectionNotice() {
  const connection = useMessaging((state) => state.connection);
  // "Catching up" only after the connection was lost, not after a deliberate reconnect.
  const [lost, setLost] = useState(false);
  useEffect(() => {
    if (connection === 'offline' || connection === 'reconnecting') setLost(true);
    else if (connection === 'live') setLost(false);
  }, [connection]);
  let text: string | undefined;
  if (connection === 'offline')
    text = 'You’re offline. Messages you send will go out when you’re back online.';
  else if (connection === 'reconnecting') text = 'Connection lost. Reconnecting…';
  else if (connection === 'syncing' && lost) text = 'Catching up…';
  return (
    <div className={text ? 'connection-notice' : 'status-empty'} role="status">
      {text}
    </div>
  );
}

/** In place of a conversation the user can no longer open (left, removed, or not found). */
export function GoneNotice({ title, text }: { title: string; text: string }) {
  const heading = useHeadingFocus<HTMLHeadingElement>();
  useEffect(() => {
    document.title = `${title} · Parley`;
  }, [title]);
  return (
    <div className="thread-gone">
      <h1 tabIndex={-1} ref={heading}>
        {title}
      </h1>
      <p>{text}</p>
      <Link to="/">Back to conversations</Link>
    </div>
  );
}

/** In place of the composer where nobody can write any more (the API answers 403 there). */
export function ReadOnlyNotice({ conversation }: { conversation: Conversation }) {
  return (
    <div className="read-only-notice" role="status">
      <p className="read-only-title">
        {conversation.peerDeleted ? 'This person deleted their account' : 'This conversation is read-only'}
      </p>
      <p>You can still read this conversation and delete your own messages, but no one can send new ones.</p>
    </div>
  );
}
