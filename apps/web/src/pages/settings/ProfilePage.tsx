import { useState } from 'react';
import { api } from '../../api/client.js';
import { Field } from '../../components/Field.js';
import { Form } from '../../components/Form.js';
import { Page } from '../../components/Page.js';
import { Status } from '../../components/Status.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useForm } from '../../forms/use-form.js';
import { useSession, useUser } from '../../session/session-context.js';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long' });

/** The display name others see, and the account's email. */
export function ProfilePage() {
  const user = useUser();
  const { setUser } = useSession();
  const form = useForm({ displayName: user.displayName }, { displayName: 'Display name' });
  const [saved, setSaved] = useState<string>();

  const save = async (values: typeof form.values) => {
    setSaved(undefined);
    const updated = await api.updateMe(values);
    setUser(updated);
    form.setValue('displayName', updated.displayName);
    setSaved(`Saved. Others now see you as ${updated.displayName}.`);
  };

  return (
    <Page title="Profile">
      <dl className="facts">
        <div>
          <dt>Email</dt>
          <dd className="break">{user.email}</dd>
        </div>
        <div>
          <dt>Member since</dt>
          <dd>
            <time dateTime={user.createdAt}>{dateFormat.format(new Date(user.createdAt))}</time>
          </dd>
        </div>
      </dl>
      <Form form={form} action={save}>
        <Field
          label="Display name"
          hint="Shown to the people you talk with. Up to 100 characters."
          autoComplete="name"
          maxLength={100}
          {...form.bind('displayName')}
        />
        <SubmitButton busy={form.busy} busyLabel="Saving…">
          Save display name
        </SubmitButton>
        <Status>{saved}</Status>
      </Form>
    </Page>
  );
}
