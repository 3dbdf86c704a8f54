import type { Conversation } from '@parley/contract';
import { type RefObject, useId, useState } from 'react';
import { Link } from '../router/router.js';
import { ConversationMenu } from './ConversationMenu.js';
import { MembersPanel } from './MembersPanel.js';
import { PresenceText, usePresence } from './PresenceDot.js';

interface ThreadHeaderProps {
  conversation: Conversation;
  /** The conversation's name as this user sees it. */
  name: string;
  me: string;
  /** The h1, focused by the screen after a navigation. */
  headingRef: RefObject<HTMLHeadingElement | null>;
}

/** The thread's header: back link, name and what it is, the group's Members button and panel, the menu. */
export function ThreadHeader({ conversation, name, me, headingRef }: ThreadHeaderProps) {
  const [membersOpen, setMembersOpen] = useState(false);
  const membersId = useId();
  return (
    <>
      <header className="thread-head">
        <Link to="/" className="back-link">
          <span aria-hidden="true">←</span> <span className="back-label">Conversations</span>
        </Link>
        <div className="thread-title">
          <h1 tabIndex={-1} ref={headingRef}>
            {name}
          </h1>
          <p className="thread-sub">
            {conversation.type === 'direct' ? (
              conversation.peerDeleted ? (
                'Direct message · account deleted'
              ) : (
                <>
                  Direct message · <PeerStatus conversation={conversation} me={me} />
                </>
              )
            ) : (
              `Group · ${conversation.members.length} ${conversation.members.length === 1 ? 'member' : 'members'}`
            )}
            {conversation.muted ? ' · Muted' : ''}
            {conversation.archived ? ' · Archived' : ''}
          </p>
        </div>
        {conversation.type === 'group' ? (
          <button
            type="button"
            className="button button-secondary button-small"
            aria-expanded={membersOpen}
            aria-controls={membersId}
            onClick={() => setMembersOpen((open) => !open)}
          >
            Members
          </button>
        ) : null}
        <ConversationMenu conversation={conversation} />
      </header>
      {conversation.type === 'group' ? (
        <div id={membersId} hidden={!membersOpen}>
          {membersOpen ? (
            <MembersPanel conversation={conversation} onClose={() => setMembersOpen(false)} />
          ) : null}
        </div>
      ) : null}
    </>
  );
}

/** The other member's presence in a direct conversation's header, in words. */
function PeerStatus({ conversation, me }: { conversation: Conversation; me: string }) {
  const peer = conversation.members.find((member) => member.id !== me)?.id;
  return <PresenceText status={usePresence(peer)} visible />;
}
