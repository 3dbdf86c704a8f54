import type { Conversation } from '@parley/contract';
import { useEffect, useId, useRef, useState } from 'react';
import { api, describeError } from '../api/client.js';
import { useMessagingStore } from '../realtime/use-messaging.js';
import './groups.css';

/**
 * The conversation's own menu (a disclosure: a button and the actions it shows): mute or unmute, archive
 * or unarchive, for the signed-in user only. Escape or a click elsewhere closes it, focus returns to
 * its button.
 */
export function ConversationMenu({ conversation }: { conversation: Conversation }) {
  const store = useMessagingStore();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [status, setStatus] = useState<string>();
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const wrapper = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!wrapper.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  const change = (settings: { muted?: boolean; archived?: boolean }, done: string) => {
    if (busy) return;
    setBusy(true);
    setProblem(undefined);
    api.conversationSettings(conversation.id, settings).then(
      (updated) => {
        store.adopt(updated);
        setBusy(false);
        setOpen(false);
        setStatus(done);
        button.current?.focus();
      },
      (caught: unknown) => {
        setBusy(false);
        setProblem(describeError(caught));
      },
    );
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape anywhere inside closes the menu.
    <div
      className="conversation-menu"
      ref={wrapper}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          event.stopPropagation();
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      <button
        type="button"
        ref={button}
        className="button button-secondary button-small"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((value) => !value)}
      >
        <span aria-hidden="true">⋯</span>
        <span className="visually-hidden">Conversation options</span>
      </button>
      <div id={menuId} className="conversation-menu-panel" hidden={!open}>
        <button
          type="button"
          className="menu-item"
          aria-disabled={busy || undefined}
          onClick={() =>
            change(
              { muted: !conversation.muted },
              conversation.muted ? 'Conversation unmuted.' : 'Conversation muted.',
            )
          }
        >
          {conversation.muted ? 'Unmute' : 'Mute'}
        </button>
        <button
          type="button"
          className="menu-item"
          aria-disabled={busy || undefined}
          onClick={() =>
            change(
              { archived: !conversation.archived },
              conversation.archived
                ? 'Conversation moved back to your list.'
                : 'Conversation archived. It comes back when a new message arrives.',
            )
          }
        >
          {conversation.archived ? 'Unarchive' : 'Archive'}
        </button>
        {problem ? (
          <p className="menu-problem" role="alert">
            {problem}
          </p>
        ) : null}
      </div>
      <span className="visually-hidden" role="status">
        {status}
      </span>
    </div>
  );
}
