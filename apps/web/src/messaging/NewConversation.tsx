import type { Conversation, PublicUser } from '@parley/contract';
import { useEffect, useId, useState } from 'react';
import { api } from '../api/client.js';
import { AlertText } from '../components/AlertText.js';
import { Field, fieldId } from '../components/Field.js';
import { SubmitButton } from '../components/SubmitButton.js';
import { FieldError, useForm } from '../forms/use-form.js';
import { useMessagingStore } from '../realtime/use-messaging.js';
import { Link, useNavigate } from '../router/router.js';
import { useHeadingFocus } from './heading-focus.js';
import { findUser } from './lookup.js';
import { PersonField } from './PersonField.js';

type Kind = 'direct' | 'group';

const TITLE_FIELD = 'group-title';

/** Start a direct message by email, or create a group with a name and members added by email. */
export function NewConversation() {
  const heading = useHeadingFocus<HTMLHeadingElement>();
  const [kind, setKind] = useState<Kind>('direct');
  const radioName = useId();
  useEffect(() => {
    document.title = 'New conversation · Parley';
  }, []);
  return (
    <div className="new-conversation">
      <Link to="/" className="back-link">
        <span aria-hidden="true">←</span> Conversations
      </Link>
      <h1 tabIndex={-1} ref={heading}>
        New conversation
      </h1>
      <fieldset className="kind-choice">
        <legend>What would you like to start?</legend>
        <label>
          <input
            type="radio"
            name={radioName}
            checked={kind === 'direct'}
            onChange={() => setKind('direct')}
          />
          Direct message
        </label>
        <label>
          <input type="radio" name={radioName} checked={kind === 'group'} onChange={() => setKind('group')} />
          Group
        </label>
      </fieldset>
      {kind === 'direct' ? <DirectForm /> : <GroupForm />}
    </div>
  );
}

/** Where to go once a conversation exists: it joins the list (the server follows it for this tab too). */
function useOpenConversation() {
  const store = useMessagingStore();
  const navigate = useNavigate();
  return (conversation: Conversation) => {
    store.adopt(conversation);
    navigate(`/conversations/${encodeURIComponent(conversation.id)}`);
  };
}

function DirectForm() {
  const store = useMessagingStore();
  const openConversation = useOpenConversation();
  const form = useForm({ email: '' }, { email: 'Their email address' });

  const start = async ({ email }: typeof form.values) => {
    const user = await findUser(email, store.userId);
    openConversation(await api.createConversation({ type: 'direct', memberIds: [user.id] }));
  };

  return (
    <form className="form" onSubmit={form.onSubmit(start)} noValidate>
      <PersonField
        form={form}
        label="Their email address"
        name="dm-email"
        hint="They need a confirmed Parley account."
      />
      <SubmitButton busy={form.busy} busyLabel="Starting…">
        Start conversation
      </SubmitButton>
    </form>
  );
}

function GroupForm() {
  const store = useMessagingStore();
  const openConversation = useOpenConversation();
  const group = useForm({ title: '' }, { title: 'Group name' });
  const person = useForm({ email: '' }, { email: 'Email' });
  const [members, setMembers] = useState<PublicUser[]>([]);

  // A problem with the name takes focus to the field, after every submit that has one.
  useEffect(() => {
    if (group.fieldErrors.title) document.getElementById(fieldId(TITLE_FIELD))?.focus();
  }, [group.fieldErrors]);

  const addMember = person.onSubmit(async ({ email }) => {
    const user = await findUser(email, store.userId);
    setMembers((current) => (current.some((m) => m.id === user.id) ? current : [...current, user]));
    person.reset();
  });

  const create = async ({ title }: typeof group.values) => {
    const name = title.trim();
    if (name === '') throw new FieldError('title', 'Enter a name for the group');
    // The contract's rules (e.g. no invisible or text-direction characters) come back naming the title.
    openConversation(
      await api.createConversation({ type: 'group', title: name, memberIds: members.map((m) => m.id) }),
    );
  };

  return (
    <form className="form" onSubmit={group.onSubmit(create)} noValidate>
      <Field
        label="Group name"
        maxLength={200}
        {...group.bind('title', { clearErrorOnEdit: true })}
        name={TITLE_FIELD}
      />
      <div className="add-member">
        <PersonField
          form={person}
          label="Add people by email"
          name="group-email"
          bind={{ clearErrorOnEdit: true }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              addMember();
            }
          }}
        />
        <button
          type="button"
          className="button button-secondary"
          onClick={() => addMember()}
          aria-disabled={person.busy || undefined}
        >
          {person.busy ? 'Finding…' : 'Add'}
        </button>
      </div>
      {members.length > 0 ? (
        <ul className="chosen-members" aria-label="People in the new group">
          {members.map((member) => (
            <li key={member.id}>
              {member.displayName}
              <button
                type="button"
                className="button-link"
                onClick={() => setMembers((current) => current.filter((m) => m.id !== member.id))}
              >
                Remove<span className="visually-hidden"> {member.displayName}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">You can add people now or later.</p>
      )}
      <AlertText>{group.formError}</AlertText>
      <SubmitButton busy={group.busy} busyLabel="Creating…">
        Create group
      </SubmitButton>
    </form>
  );
}
