import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api, describeError } from '../../api/client.js';
import { notificationSettingsQuery } from '../../api/queries.js';
import { AlertText } from '../../components/AlertText.js';
import { Status } from '../../components/Status.js';
import './notifications.css';

/** Whether people who share a conversation see when the user is online (Settings → Notifications). */
export function PresenceVisibilitySection() {
  const settings = useQuery(notificationSettingsQuery);
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const id = useId();

  // Saved as soon as it is switched, like any on/off switch; the status line says what happened.
  const toggle = async (presenceVisible: boolean) => {
    if (busy) return;
    setBusy(true);
    setSaved(undefined);
    setProblem(undefined);
    try {
      const updated = await api.updateNotificationSettings({ presenceVisible });
      queryClient.setQueryData(notificationSettingsQuery.queryKey, updated);
      setSaved(
        updated.presenceVisible
          ? 'Saved. People you talk with can see when you are online.'
          : 'Saved. You appear offline to everyone.',
      );
    } catch (error) {
      setProblem(describeError(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="notify-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="section-title">
        Online status
      </h2>
      {settings.data ? (
        <>
          <label className="notify-toggle">
            <input
              type="checkbox"
              name="presenceVisible"
              checked={settings.data.presenceVisible}
              aria-describedby={`${id}-hint`}
              aria-busy={busy || undefined}
              onChange={(event) => void toggle(event.target.checked)}
            />
            Show when I'm online
          </label>
          <p className="field-hint" id={`${id}-hint`}>
            Off: you appear offline to everyone, and you still see others as they are.
          </p>
        </>
      ) : null}
      {settings.isError ? <AlertText>{describeError(settings.error)}</AlertText> : null}
      <AlertText>{problem}</AlertText>
      <Status>{saved}</Status>
    </section>
  );
}
