import type { SecurityEvent } from '@parley/contract';
import { useInfiniteQuery } from '@tanstack/react-query';
import { describeError } from '../../api/client.js';
import { securityEventsQuery } from '../../api/queries.js';
import { AlertText } from '../../components/AlertText.js';
import { LoadMore } from '../../components/LoadMore.js';
import { Page } from '../../components/Page.js';
import { formatDateTime, timeAgo } from '../../format/time.js';
import { describeUserAgent } from '../../format/user-agent.js';
import { Link } from '../../router/router.js';

/** What each recorded event means, in words; anything newer is shown by its code. */
const EVENT_NAMES: Readonly<Record<string, string>> = {
  register: 'Account created',
  register_again: 'Someone signed up again with your address (before it was confirmed)',
  register_existing: 'Someone tried to sign up with your address',
  email_verify_failed: 'Email confirmation attempted with a wrong password',
  email_verified: 'Email address confirmed',
  login_succeeded: 'Signed in',
  login_failed: 'Failed sign-in attempt',
  logout: 'Signed out',
  logout_all: 'Signed out everywhere',
  session_revoked: 'A device was signed out',
  password_changed: 'Password changed',
  password_reset_requested: 'Password reset requested',
  password_reset: 'Password reset',
  email_change_requested: 'Email change requested',
  email_changed: 'Email address changed',
  operator_revoked_sessions: 'Signed out everywhere by an administrator',
  operator_revoked_all_sessions: 'Signed out everywhere by an administrator',
  operator_disabled_mfa: 'Two-step sign-in turned off by an administrator',
  login_mfa_required: 'Password accepted, second step asked for',
  login_mfa_failed: 'Wrong code at the second step of signing in',
  recovery_code_used: 'Recovery code used',
  totp_enrolment_started: 'Authenticator app set-up started',
  totp_enabled: 'Two-step sign-in turned on',
  totp_disabled: 'Two-step sign-in turned off',
  recovery_codes_regenerated: 'New recovery codes made',
  reauthenticated: 'Identity confirmed again',
  reauthentication_failed: 'Failed attempt to confirm identity',
  account_deleted: 'Account deleted',
  passkey_added: 'Passkey added',
  passkey_renamed: 'Passkey renamed',
  passkey_removed: 'Passkey removed',
  passkey_counter_regressed: 'A passkey was refused: it may have been copied',
};

const ALERTING = new Set([
  'login_failed',
  'register_existing',
  'email_verify_failed',
  'register_again',
  'login_mfa_failed',
  'reauthentication_failed',
  'passkey_counter_regressed',
]);

function EventItem({ event }: { event: SecurityEvent }) {
  return (
    <li className="event" data-testid="security-event" data-type={event.type}>
      <p className={`event-title${ALERTING.has(event.type) ? ' strength-weak' : ''}`}>
        {EVENT_NAMES[event.type] ?? event.type}
      </p>
      <p className="event-facts">
        <time dateTime={event.createdAt} title={formatDateTime(event.createdAt)}>
          {timeAgo(event.createdAt)}
        </time>
        {' · '}
        {describeUserAgent(event.userAgent)}
        {' · '}
        {event.ip ? `IP ${event.ip}` : 'IP unknown'}
      </p>
    </li>
  );
}

/** The account's security log: sign-ins, failed attempts, password and email changes, sign-outs. */
export function SecurityLogPage() {
  const log = useInfiniteQuery(securityEventsQuery);
  const events = log.data?.pages.flatMap((page) => page.events) ?? [];
  return (
    <Page
      title="Security log"
      lead="Recent activity on your account, newest first. If something here was not you, change your password and sign out the devices you don't recognise."
    >
      {log.isPending ? (
        <p className="loading-line" role="status">
          <span className="spinner" aria-hidden="true" /> Loading your security log…
        </p>
      ) : log.isError && events.length === 0 ? (
        <AlertText>{describeError(log.error)}</AlertText>
      ) : (
        <>
          <ul className="event-list" aria-label="Security events">
            {events.map((event) => (
              <EventItem key={event.id} event={event} />
            ))}
          </ul>
          {log.hasNextPage ? (
            <LoadMore
              loading={log.isFetchingNextPage}
              error={log.isFetchNextPageError ? describeError(log.error) : undefined}
              loadingText="Loading older events…"
              label="Show older events"
              onLoad={() => void log.fetchNextPage()}
            />
          ) : null}
        </>
      )}
      <p>
        <Link to="/settings/sessions">Review your signed-in devices</Link>
      </p>
    </Page>
  );
}
