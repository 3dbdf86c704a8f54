import type { Session } from '@parley/contract';
import { formatDateTime, timeAgo } from '../../format/time.js';
import { describeUserAgent } from '../../format/user-agent.js';

interface SessionCardProps {
  session: Session;
  revoking: boolean;
  onRevoke(): void;
}

/** One signed-in device: what it is, where from, when it was last active. */
export function SessionCard({ session, revoking, onRevoke }: SessionCardProps) {
  const name = describeUserAgent(session.userAgent);
  return (
    <li className={`session-card${session.current ? ' session-current' : ''}`} data-testid="session">
      <div className="session-head">
        <h3 className="session-name">{name}</h3>
        {session.current ? <span className="badge">This device</span> : null}
      </div>
      <dl className="session-facts">
        <div>
          <dt>Last active</dt>
          <dd>
            <time dateTime={session.lastSeenAt} title={formatDateTime(session.lastSeenAt)}>
              {session.current ? 'Now' : timeAgo(session.lastSeenAt)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Signed in</dt>
          <dd>
            <time dateTime={session.createdAt}>{formatDateTime(session.createdAt)}</time>
          </dd>
        </div>
        <div>
          <dt>IP address</dt>
          <dd>{session.ip ?? 'Unknown'}</dd>
        </div>
        <div className="session-ua">
          <dt>Browser</dt>
          <dd className="break">{session.userAgent ?? 'Not reported'}</dd>
        </div>
      </dl>
      {session.current ? null : (
        <button
          type="button"
          className="button button-secondary"
          onClick={onRevoke}
          aria-disabled={revoking || undefined}
        >
          {revoking ? 'Signing out…' : 'Sign out this device'}
          <span className="visually-hidden">
            {' '}
            ({name}, last active {timeAgo(session.lastSeenAt)})
          </span>
        </button>
      )}
    </li>
  );
}
