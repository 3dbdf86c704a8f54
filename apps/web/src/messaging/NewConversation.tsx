import type { PublicUser } from '@parley/contract';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { api, describeError, isApiError } from '../api/client.js';
import { Field } from '../components/Field.js';
import { SubmitButton } from '../components/SubmitButton.js';
import { fieldMessage } from '../forms/use-form.js';
import { useMessagingStore } from '../realtime/use-messaging.js';
import { Link, useNavigate } from '../router/router.js';
import { useHeadingFocus } from './heading-focus.js';
import { findUser } from './lookup.js';

type Kind = 'direct' | 'group';

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

function DirectForm() {
  const store = useMessagingStore();
  const navigate = useNavigate();
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    findUser(email, store.userId)
      .then((user) => api.createConversation({ type: 'direct', memberIds: [user.id] }))
      .then(
        (conversation) => {
          store.adopt(conversation);
          navigate(`/conversations/${encodeURIComponent(conversation.id)}`);
        },
        (caught: unknown) => {
          setBusy(false);
          setError(
            caught instanceof Error && caught.name === 'Error' ? caught.message : describeError(caught),
          );
        },
      );
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <Field
        label="Their email address"
        name="dm-email"
        type="email"
        autoComplete="off"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        error={error}
        hint="They need a confirmed Parley account."
      />
      <SubmitButton busy={busy} busyLabel="Starting…">
        Start conversation
      </SubmitButton>
    </form>
  );
}

function GroupForm() {
  const store = useMessagingStore();
  const navigate = useNavigate();
  const [title, setTitle] = useState('');
  const [titleError, setTitleError] = useState<string>();
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string>();
  const [members, setMembers] = useState<PublicUser[]>([]);
  const [finding, setFinding] = useState(false);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string>();

  const addMember = () => {
    if (finding) return;
    setFinding(true);
    setEmailError(undefined);
    findUser(email, store.userId).then(
      (user) => {
        setFinding(false);
        setMembers((current) => (current.some((m) => m.id === user.id) ? current : [...current, user]));
        setEmail('');
      },
      (caught: unknown) => {
        setFinding(false);
        setEmailError(caught instanceof Error ? caught.message : describeError(caught));
      },
    );
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const name = title.trim();
    if (name === '') {
      setTitleError('Enter a name for the group');
      document.getElementById('field-group-title')?.focus();
      return;
    }
    setTitleError(undefined);
    setBusy(true);
    setFormError(undefined);
    api.createConversation({ type: 'group', title: name, memberIds: members.map((m) => m.id) }).then(
      (conversation) => {
        store.adopt(conversation);
        navigate(`/conversations/${encodeURIComponent(conversation.id)}`);
      },
      (caught: unknown) => {
        setBusy(false);
        // The contract's rules (e.g. no invisible or text-direction characters) name the field.
        const problem = isApiError(caught, 'validation_failed') ? caught.fieldErrors.title : undefined;
        if (problem) {
          setTitleError(fieldMessage('Group name', problem, title));
          document.getElementById('field-group-title')?.focus();
        } else {
          setFormError(describeError(caught));
        }
      },
    );
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate>
      <Field
        label="Group name"
        name="group-title"
        value={title}
        maxLength={200}
        onChange={(event) => {
          setTitle(event.target.value);
          setTitleError(undefined);
        }}
        error={titleError}
      />
      <div className="add-member">
        <Field
          label="Add people by email"
          name="group-email"
          type="email"
          autoComplete="off"
          value={email}
          onChange={(event) => {
            setEmail(event.target.value);
            setEmailError(undefined);
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              addMember();
            }
          }}
          error={emailError}
        />
        <button
          type="button"
          className="button button-secondary"
          onClick={addMember}
          aria-disabled={finding || undefined}
        >
          {finding ? 'Finding…' : 'Add'}
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
      {formError ? (
        <p className="alert-text" role="alert">
          {formError}
        </p>
      ) : null}
      <SubmitButton busy={busy} busyLabel="Creating…">
        Create group
      </SubmitButton>
    </form>
  );
}
