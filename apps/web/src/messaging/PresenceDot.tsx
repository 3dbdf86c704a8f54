import type { PresenceStatus } from '@parley/contract';
import { STATUS_LABEL, statusOf } from '../realtime/online-status.js';
import { useMessaging } from '../realtime/use-messaging.js';

/** A user's presence as the messaging state knows it (offline unless told otherwise). */
export function usePresence(userId: string | undefined): PresenceStatus {
  return useMessaging((state) => (userId === undefined ? 'offline' : statusOf(state, userId)));
}

/**
 * The dot on an avatar's corner: filled green for online, a ring of amber for away, a hollow grey ring for
 * offline, so the shape says it as well as the colour. Decorative for screen readers, who get the status
 * as text (`PresenceText`) beside the name; sighted users get it as a tooltip too.
 */
export function PresenceDot({ status }: { status: PresenceStatus }) {
  return (
    <span
      className={`presence-dot presence-${status}`}
      data-presence={status}
      title={STATUS_LABEL[status]}
      aria-hidden="true"
    />
  );
}

/** The status in words, for screen readers (`visible` shows it to everyone too). */
export function PresenceText({ status, visible = false }: { status: PresenceStatus; visible?: boolean }) {
  return visible ? (
    <span className={`presence-status presence-text presence-text-${status}`}>{STATUS_LABEL[status]}</span>
  ) : (
    <span className="presence-status visually-hidden">, {STATUS_LABEL[status].toLowerCase()}</span>
  );
}
