import { describe, expect, it } from 'vitest';
import { memberName, previewOf, systemEventText } from '../../src/messaging/names.js';
import { ADA, conversation, ME, message } from '../fixtures.js';

const BOB = 'user-bob';

describe('names of people in a conversation', () => {
  const group = conversation('c1', 1, { formerMembers: [{ id: BOB, displayName: 'Bob' }] });

  it('names you, members, and former members with a marker', () => {
    expect(memberName(group, ME, ME)).toBe('You');
    expect(memberName(group, ADA, ME)).toBe('Ada');
    expect(memberName(group, BOB, ME)).toBe('Bob (left)');
    // An older server does not list former members: then nobody can say who it was.
    expect(memberName(conversation('c2', 1), BOB, ME)).toBe('Former member');
    expect(memberName(group, 'user-unknown', ME)).toBe('Former member');
  });

  it('a member is named as a member even if they once left (added back)', () => {
    const back = conversation('c3', 1, { formerMembers: [{ id: ADA, displayName: 'Ada' }] });
    expect(memberName(back, ADA, ME)).toBe('Ada');
  });

  it('previews the last message of someone who left with their name', () => {
    const last = message(4, { senderId: BOB, body: 'bye all' });
    expect(previewOf({ ...group, lastMessage: last }, ME)).toBe('Bob (left): bye all');
  });

  it('says what a timeline line records, with names as the conversation gives them', () => {
    const line = (system: NonNullable<Parameters<typeof message>[1]>['system']) =>
      message(9, { kind: 'system', body: '', system });
    expect(systemEventText(group, line({ event: 'added', actorId: ADA, targetId: ME }), ME)).toBe(
      'Ada added you',
    );
    expect(systemEventText(group, line({ event: 'removed', actorId: ME, targetId: BOB }), ME)).toBe(
      'You removed Bob',
    );
    expect(systemEventText(group, line({ event: 'left', actorId: BOB }), ME)).toBe('Bob left');
    expect(systemEventText(group, line({ event: 'renamed', actorId: ADA, title: 'Launch' }), ME)).toBe(
      'Ada renamed the group to “Launch”',
    );
    // The list's preview is the same line, without a "sender:" prefix.
    const last = line({ event: 'added', actorId: ME, targetId: ADA });
    expect(previewOf({ ...group, lastMessage: last }, ME)).toBe('You added Ada');
  });
});
