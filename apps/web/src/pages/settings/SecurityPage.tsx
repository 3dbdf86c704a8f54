import type { TotpEnrolment } from '@parley/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, describeError } from '../../api/client.js';
import { mfaQuery, sessionsQuery } from '../../api/queries.js';
import { AlertText } from '../../components/AlertText.js';
import { ConfirmRow } from '../../components/ConfirmRow.js';
import { Page } from '../../components/Page.js';
import { Status } from '../../components/Status.js';
import { clearMfaEnrolmentRequired, useMfaEnrolmentRequired } from '../../session/mfa-enrolment.js';
import { useConfirmed } from '../../session/reauth-context.js';
import { PasskeysPanel } from './PasskeysPanel.js';
import { RecoveryCodesPanel } from './RecoveryCodesPanel.js';
import { TotpEnrolmentPanel } from './TotpEnrolmentPanel.js';

/**
 * Settings → Security: passkeys, two-step sign-in with an authenticator app, and its recovery codes. Adding,
 * removing and renewing need a recent sign-in; the re-authentication dialog asks when they do.
 */
export function SecurityPage() {
  const mfa = useQuery(mfaQuery);
  const queryClient = useQueryClient();
  const confirmed = useConfirmed();
  const [enrolment, setEnrolment] = useState<TotpEnrolment>();
  const [codes, setCodes] = useState<string[]>();
  const [busy, setBusy] = useState<'start' | 'remove' | 'regenerate'>();
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [status, setStatus] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const sectionHeading = useRef<HTMLHeadingElement>(null);

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: mfaQuery.queryKey });
    // Turning two-step sign-in on or off signs out the other devices.
    await queryClient.invalidateQueries({ queryKey: sessionsQuery.queryKey });
  };
  const act = async (kind: 'start' | 'remove' | 'regenerate', action: () => Promise<void>) => {
    if (busy) return;
    setBusy(kind);
    setStatus(undefined);
    setProblem(undefined);
    try {
      await action();
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      setBusy(undefined);
    }
  };

  const start = () =>
    act('start', async () => {
      setEnrolment(await confirmed(() => api.startTotp()));
    });
  const remove = () =>
    act('remove', async () => {
      await confirmed(() => api.disableTotp());
      setConfirmRemove(false);
      await refresh();
      setStatus(
        'Two-step sign-in is off. Your recovery codes no longer work, and your other devices were signed out.',
      );
      sectionHeading.current?.focus();
    });
  const regenerate = () =>
    act('regenerate', async () => {
      const fresh = await confirmed(() => api.regenerateRecoveryCodes());
      setCodes(fresh.recoveryCodes);
      await refresh();
    });

  const left = mfa.data?.recoveryCodesLeft ?? 0;
  const hasFactor = mfa.data !== undefined && (mfa.data.totp || mfa.data.passkeys.length > 0);
  const enrolmentRequired = useMfaEnrolmentRequired() && mfa.data !== undefined && !hasFactor;
  useEffect(() => {
    if (hasFactor) clearMfaEnrolmentRequired();
  }, [hasFactor]);
  return (
    <Page
      title="Security"
      lead="Two-step sign-in asks for a code from your phone after your password, so a stolen password alone can’t get into your account."
    >
      {enrolmentRequired ? (
        <p className="notice" role="status">
          Your organisation requires two-step sign-in. Add a passkey or an authenticator app to continue using
          Parley.
        </p>
      ) : null}
      {mfa.data ? <PasskeysPanel passkeys={mfa.data.passkeys} /> : null}
      <AlertText>{problem}</AlertText>
      <Status>{status}</Status>
      <h2 ref={sectionHeading} tabIndex={-1} className="section-title">
        Authenticator app
      </h2>
      {mfa.isPending ? (
        <p className="loading-line" role="status">
          <span className="spinner" aria-hidden="true" /> Loading…
        </p>
      ) : mfa.isError ? (
        <AlertText>{describeError(mfa.error)}</AlertText>
      ) : codes ? (
        <RecoveryCodesPanel
          codes={codes}
          onDone={() => {
            setCodes(undefined);
            sectionHeading.current?.focus();
          }}
        />
      ) : enrolment ? (
        <TotpEnrolmentPanel
          enrolment={enrolment}
          onConfirmed={(recoveryCodes) => {
            setEnrolment(undefined);
            setCodes(recoveryCodes);
            setStatus('Two-step sign-in is on. Your other devices were signed out.');
            void refresh();
          }}
          onCancel={() => {
            setEnrolment(undefined);
            sectionHeading.current?.focus();
          }}
        />
      ) : mfa.data?.totp ? (
        <>
          <p>
            <strong>On.</strong> Signing in needs your password and a code from your authenticator app (or a
            recovery code).
          </p>
          {confirmRemove ? (
            <ConfirmRow
              label="Yes, remove the authenticator app"
              busyLabel="Removing…"
              busy={busy === 'remove'}
              onConfirm={() => void remove()}
              onCancel={() => setConfirmRemove(false)}
            />
          ) : (
            <button type="button" className="button button-secondary" onClick={() => setConfirmRemove(true)}>
              Remove authenticator app…
            </button>
          )}
          <h2 className="section-title">Recovery codes</h2>
          <p>
            {left === 1 ? 'You have 1 recovery code left' : `You have ${left} recovery codes left`} (of 10).
            {left <= 3 ? ' Make new ones before you run out.' : ''}
          </p>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => void regenerate()}
            aria-disabled={busy === 'regenerate' || undefined}
          >
            {busy === 'regenerate' ? 'Making new codes…' : 'Make new recovery codes'}
          </button>
          <p className="field-hint">Your current codes stop working when you make new ones.</p>
        </>
      ) : (
        <>
          <p>
            <strong>Off.</strong> Add an authenticator app to ask for a code from your phone each time you
            sign in.
          </p>
          <button
            type="button"
            className="button button-primary"
            onClick={() => void start()}
            aria-disabled={busy === 'start' || undefined}
          >
            {busy === 'start' ? 'Starting…' : 'Set up authenticator app'}
          </button>
        </>
      )}
    </Page>
  );
}
