import type { Conversation, Member } from '@parley/contract';
import { useState } from 'react';
import { api, describeError } from '../api/client.js';
import { AlertText } from '../components/AlertText.js';
import { Status } from '../components/Status.js';
import { FieldError, useForm } from '../forms/use-form.js';
import { useMessagingStore } from '../realtime/use-messaging.js';
import { useNavigate } from '../router/router.js';
import { findUser } from './lookup.js';
import { initialOf } from './names.js';
import { PersonField } from './PersonField.js';
import { PresenceDot, PresenceText, usePresence } from './PresenceDot.js';

const ROLE_LABEL: Record<Member['role'], string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };

/** Group members: everyone sees them and may leave; the owner and admins add and remove others. */
export function MembersPanel({ conversation, onClose }: { conversation: Conversation; onClose(): void }) {
  const store = useMessagingStore();
  const navigate = useNavigate();
  const me = store.userId;
  const myRole = conversation.members.find((member) => member.id === me)?.role;
  const canManage = myRole === 'owner' || myRole === 'admin';
  const person = useForm({ email: '' }, { email: 'Email' });
  const [busy, setBusy] = useState<string>();
  const [status, setStatus] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const [confirmLeave, setConfirmLeave] = useState(false);

  const add = async ({ email }: typeof person.values) => {
    if (busy) return;
    setStatus(undefined);
    const user = await findUser(email, me);
    if (conversation.members.some((member) => member.id === user.id)) {
      throw new FieldError('email', `${user.displayName} is already in this group.`);
    }
    await api.addMember(conversation.id, user.id);
    await store.reload(conversation.id);
    person.reset();
    setStatus(`${user.displayName} was added to the group.`);
  };

  const remove = (member: Member) => {
    if (busy || person.busy) return;
    setBusy(member.id);
    setProblem(undefined);
    setStatus(undefined);
    api
      .removeMember(conversation.id, member.id)
      .then(() => store.reload(conversation.id))
      .then(
        () => {
          setBusy(undefined);
          setStatus(`${member.displayName} was removed from the group.`);
        },
        (caught: unknown) => {
          setBusy(undefined);
          setProblem(describeError(caught));
        },
      );
  };

  const leave = () => {
    if (busy || person.busy) return;
    setBusy('leave');
    api.removeMember(conversation.id, me).then(
      () => {
        store.forget(conversation.id);
        navigate('/', { replace: true });
      },
      (caught: unknown) => {
        setBusy(undefined);
        setProblem(describeError(caught));
      },
    );
  };

  return (
    <section className="members-panel" aria-labelledby="members-title">
      <div className="members-head">
        <h2 id="members-title">Members</h2>
        <button type="button" className="button-link" onClick={onClose}>
          Close<span className="visually-hidden"> members</span>
        </button>
      </div>
      <ul className="member-list">
        {conversation.members.map((member) => (
          <li key={member.id}>
            <span className="avatar-wrap">
              <span className="avatar avatar-small" aria-hidden="true">
                {initialOf(member.displayName)}
              </span>
              {member.id === me ? null : <MemberDot userId={member.id} />}
            </span>
            <span className="member-name">
              {member.displayName}
              {member.id === me ? ' (you)' : <MemberStatus userId={member.id} />}
            </span>
            <span className="member-role">{ROLE_LABEL[member.role]}</span>
            {canManage && member.id !== me && member.role !== 'owner' ? (
              <button type="button" className="button-link danger" onClick={() => remove(member)}>
                {busy === member.id ? 'Removing…' : 'Remove'}
                <span className="visually-hidden"> {member.displayName}</span>
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {canManage ? (
        <form className="add-member" onSubmit={person.onSubmit(add)} noValidate>
          <PersonField form={person} label="Add a member by email" name="member-email" />
          <button type="submit" className="button button-secondary" aria-disabled={person.busy || undefined}>
            {person.busy ? 'Adding…' : 'Add member'}
          </button>
        </form>
      ) : null}
      <AlertText>{problem}</AlertText>
      <Status>{status}</Status>
      <div className="leave-row">
        {confirmLeave ? (
          <>
            <span>Leave this group? You will stop receiving its messages.</span>
            <button type="button" className="button button-danger button-small" onClick={leave}>
              {busy === 'leave' ? 'Leaving…' : 'Leave group'}
            </button>
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() => setConfirmLeave(false)}
            >
              Cancel
            </button>
          </>
        ) : (
          <button
            type="button"
            className="button button-secondary button-small"
            onClick={() => setConfirmLeave(true)}
          >
            Leave group…
          </button>
        )}
      </div>
    </section>
  );
}

function MemberDot({ userId }: { userId: string }) {
  return <PresenceDot status={usePresence(userId)} />;
}

/** The member's status in words, shown beside the name (not by colour alone). */
function MemberStatus({ userId }: { userId: string }) {
  return (
    <>
      {' '}
      <PresenceText status={usePresence(userId)} visible />
    </>
  );
}
