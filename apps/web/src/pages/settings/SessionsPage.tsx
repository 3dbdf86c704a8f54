import type { Session } from '@parley/contract';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, describeError } from '../../api/client.js';
import { sessionsQuery } from '../../api/queries.js';
import { AlertText } from '../../components/AlertText.js';
import { ConfirmRow } from '../../components/ConfirmRow.js';
import { Page } from '../../components/Page.js';
import { Status } from '../../components/Status.js';
import { describeUserAgent } from '../../format/user-agent.js';
import { useNavigate } from '../../router/router.js';
import { useConfirmed } from '../../session/reauth-context.js';
import { useSession } from '../../session/session-context.js';
import { SessionCard } from './SessionCard.js';

/** Every device signed in to the account: this one first and marked; revoke one, or all at once. */
export function SessionsPage() {
  const sessions = useQuery(sessionsQuery);
  const [revoking, setRevoking] = useState<string>();
  const [status, setStatus] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const [confirmAll, setConfirmAll] = useState(false);
  const [endingAll, setEndingAll] = useState(false);
  const { signedOut } = useSession();
  const navigate = useNavigate();
  const heading = useRef<HTMLHeadingElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const confirmed = useConfirmed();

  useEffect(() => {
    if (confirmAll) confirmButton.current?.focus();
  }, [confirmAll]);

  const revoke = async (session: Session) => {
    if (revoking) return;
    setRevoking(session.id);
    setStatus(undefined);
    setProblem(undefined);
    try {
      await confirmed(() => api.revokeSession(session.id));
      await sessions.refetch();
      setStatus(`Signed out ${describeUserAgent(session.userAgent)}.`);
      // The card and its button are gone; keep keyboard users on the list rather than on <body>.
      heading.current?.focus();
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      setRevoking(undefined);
    }
  };

  const endAll = async () => {
    if (endingAll) return;
    setEndingAll(true);
    try {
      await confirmed(() => api.logoutAll());
      signedOut('signed-out-everywhere');
      navigate('/sign-in', { replace: true, state: { reason: 'signed-out-everywhere' } });
    } catch (error) {
      setProblem(describeError(error));
      setEndingAll(false);
    }
  };

  return (
    <Page
      title="Devices and sessions"
      lead="These devices are signed in to your account. If you don't recognise one, sign it out and change your password."
    >
      <AlertText>{problem}</AlertText>
      <Status>{status}</Status>
      <h2 ref={heading} tabIndex={-1} className="section-title">
        Signed-in devices
      </h2>
      {sessions.isPending ? (
        <p className="loading-line" role="status">
          <span className="spinner" aria-hidden="true" /> Loading your sessions…
        </p>
      ) : null}
      {sessions.isError ? (
        <AlertText>{describeError(sessions.error)}</AlertText>
      ) : sessions.data ? (
        <ul className="session-list">
          {sessions.data.map((session) => (
            <SessionCard
              key={session.id}
              session={session}
              revoking={revoking === session.id}
              onRevoke={() => void revoke(session)}
            />
          ))}
        </ul>
      ) : null}
      <section className="danger-zone" aria-labelledby="sign-out-all-title">
        <h2 id="sign-out-all-title" className="section-title">
          Sign out everywhere
        </h2>
        <p>Signs out every device, including this one.</p>
        {confirmAll ? (
          <ConfirmRow
            label="Yes, sign out every device"
            busyLabel="Signing out…"
            busy={endingAll}
            onConfirm={() => void endAll()}
            onCancel={() => setConfirmAll(false)}
            confirmRef={confirmButton}
          />
        ) : (
          <button type="button" className="button button-secondary" onClick={() => setConfirmAll(true)}>
            Sign out everywhere…
          </button>
        )}
      </section>
    </Page>
  );
}
