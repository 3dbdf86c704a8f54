import type { PasskeySummary } from '@parley/contract';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describeError } from '../../api/client.js';
import { mfaQuery, sessionsQuery } from '../../api/queries.js';
import { AlertText } from '../../components/AlertText.js';
import { ConfirmRow } from '../../components/ConfirmRow.js';
import { Field } from '../../components/Field.js';
import { Status } from '../../components/Status.js';
import { formatDateTime, timeAgo } from '../../format/time.js';
import { createPasskey, describePasskeyError, passkeysSupported } from '../../session/passkeys.js';
import { useConfirmed } from '../../session/reauth-context.js';

interface PasskeysPanelProps {
  passkeys: readonly PasskeySummary[];
}

/**
 * Settings → Security → Passkeys: the account's passkeys with their last use; add one (named), rename,
 * remove. Adding and removing need a recent sign-in; the re-authentication dialog asks when they do.
 */
export function PasskeysPanel({ passkeys }: PasskeysPanelProps) {
  const queryClient = useQueryClient();
  const confirmed = useConfirmed();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState<string>();
  const [renaming, setRenaming] = useState<{ id: string; name: string }>();
  const [removing, setRemoving] = useState<string>();
  const [status, setStatus] = useState<string>();
  const [problem, setProblem] = useState<string>();

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: mfaQuery.queryKey });
    await queryClient.invalidateQueries({ queryKey: sessionsQuery.queryKey });
  };
  const act = async (kind: string, action: () => Promise<void>) => {
    if (busy) return;
    setBusy(kind);
    setStatus(undefined);
    setProblem(undefined);
    try {
      await action();
    } catch (error) {
      setProblem(describePasskeyError(error) ?? describeError(error));
    } finally {
      setBusy(undefined);
    }
  };

  const add = () =>
    act('add', async () => {
      const label = name.trim();
      if (label === '') {
        setProblem('Give the passkey a name first, like “Laptop” or “Phone”.');
        return;
      }
      const options = await confirmed(() => api.passkeyRegistrationOptions());
      const attestation = await createPasskey(options);
      const added = await api.addPasskey({ name: label, attestation });
      setName('');
      await refresh();
      setStatus(`Passkey “${added.name}” added. You can now sign in with it.`);
    });
  const rename = (id: string, newName: string) =>
    act(`rename-${id}`, async () => {
      const renamed = await api.renamePasskey(id, { name: newName });
      setRenaming(undefined);
      await refresh();
      setStatus(`Passkey renamed to “${renamed.name}”.`);
    });
  const remove = (passkey: PasskeySummary) =>
    act(`remove-${passkey.id}`, async () => {
      await confirmed(() => api.removePasskey(passkey.id));
      setRemoving(undefined);
      await refresh();
      setStatus(`Passkey “${passkey.name}” removed. It can no longer sign you in.`);
    });

  return (
    <>
      <h2 className="section-title">Passkeys</h2>
      <p>
        A passkey signs you in with your device’s screen lock (fingerprint, face or PIN) instead of your
        password, and can be the second step after it.
      </p>
      <AlertText>{problem}</AlertText>
      <Status>{status}</Status>
      {passkeys.length === 0 ? (
        <p>You have no passkeys yet.</p>
      ) : (
        <ul className="passkey-list" aria-label="Your passkeys">
          {passkeys.map((passkey) => (
            <li key={passkey.id}>
              {renaming?.id === passkey.id ? (
                <form
                  onSubmit={(event) => {
                    event.preventDefault();
                    void rename(passkey.id, renaming.name);
                  }}
                >
                  <Field
                    label={`New name for “${passkey.name}”`}
                    value={renaming.name}
                    maxLength={64}
                    onChange={(event) => setRenaming({ id: passkey.id, name: event.target.value })}
                  />
                  <div className="confirm-row">
                    <button type="submit" className="button button-primary">
                      Save name
                    </button>
                    <button
                      type="button"
                      className="button button-secondary"
                      onClick={() => setRenaming(undefined)}
                    >
                      Cancel
                    </button>
                  </div>
                </form>
              ) : (
                <>
                  <p>
                    <strong>{passkey.name}</strong>
                    <br />
                    Added {formatDateTime(passkey.createdAt)} ·{' '}
                    {passkey.lastUsedAt ? `last used ${timeAgo(passkey.lastUsedAt)}` : 'never used'}
                  </p>
                  {removing === passkey.id ? (
                    <ConfirmRow
                      label={`Yes, remove “${passkey.name}”`}
                      busyLabel="Removing…"
                      busy={busy === `remove-${passkey.id}`}
                      onConfirm={() => void remove(passkey)}
                      onCancel={() => setRemoving(undefined)}
                    />
                  ) : (
                    <div className="confirm-row">
                      <button
                        type="button"
                        className="button button-secondary"
                        aria-label={`Rename passkey ${passkey.name}`}
                        onClick={() => setRenaming({ id: passkey.id, name: passkey.name })}
                      >
                        Rename
                      </button>
                      <button
                        type="button"
                        className="button button-secondary"
                        aria-label={`Remove passkey ${passkey.name}`}
                        onClick={() => setRemoving(passkey.id)}
                      >
                        Remove…
                      </button>
                    </div>
                  )}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {passkeysSupported() ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void add();
          }}
        >
          <Field
            label="Name for a new passkey"
            hint="So you can tell your passkeys apart, like “Laptop” or “Phone”."
            value={name}
            maxLength={64}
            onChange={(event) => setName(event.target.value)}
          />
          <div className="confirm-row">
            <button
              type="submit"
              className="button button-primary"
              aria-disabled={busy === 'add' || undefined}
            >
              {busy === 'add' ? 'Waiting for your device…' : 'Add a passkey'}
            </button>
          </div>
        </form>
      ) : (
        <p>This browser can’t use passkeys.</p>
      )}
    </>
  );
}
