import type { EmailNotifySetting } from '@parley/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api, describeError } from '../../api/client.js';
import { notificationSettingsQuery } from '../../api/queries.js';
import { AlertText } from '../../components/AlertText.js';
import { Status } from '../../components/Status.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import './notifications.css';

const CHOICES: readonly { value: EmailNotifySetting; label: string; saved: string }[] = [
  {
    value: 'direct_and_mentions',
    label: 'Direct messages and mentions',
    saved: 'Saved. We email you about direct messages and mentions you miss.',
  },
  { value: 'all', label: 'Every message', saved: 'Saved. We email you about every message you miss.' },
  { value: 'off', label: 'Never', saved: 'Saved. We will not email you about messages.' },
];

const isSetting = (value: string): value is EmailNotifySetting => CHOICES.some((c) => c.value === value);

/** Which unread messages email the user while they are away (Settings → Notifications). */
export function EmailNotificationsSection() {
  const settings = useQuery(notificationSettingsQuery);
  const queryClient = useQueryClient();
  const [choice, setChoice] = useState<EmailNotifySetting>();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const selectId = useId();
  const hintId = `${selectId}-hint`;
  const current = choice ?? settings.data?.email;

  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy || !current) return;
    setBusy(true);
    setSaved(undefined);
    setProblem(undefined);
    try {
      const updated = await api.updateNotificationSettings({ email: current });
      queryClient.setQueryData(notificationSettingsQuery.queryKey, updated);
      setChoice(undefined);
      setSaved(CHOICES.find((c) => c.value === updated.email)?.saved);
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="notify-section" aria-labelledby={`${selectId}-title`}>
      <h2 id={`${selectId}-title`} className="section-title">
        Email
      </h2>
      {settings.isPending ? (
        <p className="loading-line" role="status">
          <span className="spinner" aria-hidden="true" /> Loading your settings…
        </p>
      ) : null}
      {settings.isError ? <AlertText>{describeError(settings.error)}</AlertText> : null}
      {current ? (
        <form className="form" onSubmit={save}>
          <div className="field">
            <label htmlFor={selectId}>Email me about messages I miss</label>
            <p className="field-hint" id={hintId}>
              When you have no Parley tab open, we send one email about messages still unread a few minutes
              after they arrive, then nothing more about that conversation until you have read it.
            </p>
            <select
              id={selectId}
              name="email"
              className="notify-select"
              aria-describedby={hintId}
              value={current}
              onChange={(event) => {
                if (isSetting(event.target.value)) setChoice(event.target.value);
                setSaved(undefined);
              }}
            >
              {CHOICES.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          </div>
          <SubmitButton busy={busy} busyLabel="Saving…">
            Save email setting
          </SubmitButton>
          <AlertText>{problem}</AlertText>
          <Status>{saved}</Status>
        </form>
      ) : null}
    </section>
  );
}
