import type { Conversation, Member } from '@parley/contract';
import { useEffect, useRef, useState } from 'react';
import { api, describeError } from '../api/client.js';
import { AlertText } from '../components/AlertText.js';
import { Field } from '../components/Field.js';
import { Status } from '../components/Status.js';
import { FieldError, useForm } from '../forms/use-form.js';
import { useMessagingStore } from '../realtime/use-messaging.js';
import { useNavigate } from '../router/router.js';
import { findUser } from './lookup.js';
import { initialOf } from './names.js';
import { PersonField } from './PersonField.js';
import { PresenceDot, PresenceText, usePresence } from './PresenceDot.js';
import './groups.css';

const ROLE_LABEL: Record<Member['role'], string> = { owner: 'Owner', admin: 'Admin', member: 'Member' };
const ROLE_ORDER: Record<Member['role'], number> = { owner: 0, admin: 1, member: 2 };

/** The owner first, then admins, then members, each in the order the server gave (joining order). */
export function membersInOrder(members: readonly Member[]): Member[] {
  return [...members].sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
}

/**
 * Group settings and members: everyone sees the members (owner first, labelled) and may leave; the owner
 * and admins rename the group and add and remove others; the owner makes and unmakes admins.
 */
export function MembersPanel({ conversation, onClose }: { conversation: Conversation; onClose(): void }) {
  const store = useMessagingStore();
  const navigate = useNavigate();
  const me = store.userId;
  const myRole = conversation.members.find((member) => member.id === me)?.role;
  const canManage = myRole === 'owner' || myRole === 'admin';
  const isOwner = myRole === 'owner';
  const person = useForm({ email: '' }, { email: 'Email' });
  const naming = useForm({ title: conversation.title ?? '' }, { title: 'Group name' });
  const resetNaming = useRef(naming.reset);
  resetNaming.current = naming.reset;
  // A rename (here, by someone else, or in another tab) shows in the field, and ends an old error.
  useEffect(() => resetNaming.current({ title: conversation.title ?? '' }), [conversation.title]);
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

  const rename = async ({ title }: typeof naming.values) => {
    setStatus(undefined);
    if (title.trim() === (conversation.title ?? '')) {
      setStatus('The group already has that name.');
      return;
    }
    store.adopt(await api.renameConversation(conversation.id, title));
    setStatus('The group was renamed.');
  };

  const changeRole = (member: Member, role: 'admin' | 'member') => {
    if (busy || person.busy) return;
    setBusy(`role-${member.id}`);
    setProblem(undefined);
    setStatus(undefined);
    api
      .setMemberRole(conversation.id, member.id, role)
      .then(() => store.reload(conversation.id))
      .then(
        () => {
          setBusy(undefined);
          setStatus(
            role === 'admin'
              ? `${member.displayName} is now an admin.`
              : `${member.displayName} is no longer an admin.`,
          );
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
        <h2 id="members-title">Group settings</h2>
        <button type="button" className="button-link" onClick={onClose}>
          Close<span className="visually-hidden"> group settings</span>
        </button>
      </div>
      {canManage ? (
        <form className="rename-group" onSubmit={naming.onSubmit(rename)} noValidate>
          <Field
            label="Group name"
            autoComplete="off"
            maxLength={200}
            {...naming.bind('title', { clearErrorOnEdit: true })}
            name="group-title"
            error={naming.fieldErrors.title ?? naming.formError}
          />
          <button type="submit" className="button button-secondary" aria-disabled={naming.busy || undefined}>
            {naming.busy ? 'Renaming…' : 'Rename'}
          </button>
        </form>
      ) : null}
      <h3 className="members-subtitle">Members</h3>
      <ul className="member-list">
        {membersInOrder(conversation.members).map((member) => (
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
            <span className={`member-role member-role-${member.role}`}>{ROLE_LABEL[member.role]}</span>
            {isOwner && member.role !== 'owner' ? (
              <button
                type="button"
                className="button-link"
                onClick={() => changeRole(member, member.role === 'admin' ? 'member' : 'admin')}
              >
                {busy === `role-${member.id}`
                  ? 'Saving…'
                  : member.role === 'admin'
                    ? 'Remove admin'
                    : 'Make admin'}
                <span className="visually-hidden"> {member.displayName}</span>
              </button>
            ) : null}
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
