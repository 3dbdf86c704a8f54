import { describe, expect, it } from 'vitest';
import {
  badgedIcon,
  notificationFor,
  titleWithCount,
  unreadTotal,
} from '../../src/notifications/attention.js';
import { ADA, conversation, ME, message } from '../fixtures.js';

describe('tab title', () => {
  it('puts the unread count in front, replaces an older count, and drops it at zero', () => {
    expect(titleWithCount('Parley', 3)).toBe('(3) Parley');
    expect(titleWithCount('(3) Conversations · Parley', 12)).toBe('(12) Conversations · Parley');
    expect(titleWithCount('(12) Parley', 0)).toBe('Parley');
    expect(titleWithCount('Parley', 1500)).toBe('(999+) Parley');
    expect(titleWithCount('(999+) Parley', 2)).toBe('(2) Parley');
    // A title that merely starts with a parenthesis keeps it.
    expect(titleWithCount('(draft) notes', 0)).toBe('(draft) notes');
  });

  it('counts unread messages across conversations', () => {
    expect(
      unreadTotal({
        a: conversation('a', 1, { unreadCount: 2 }),
        b: conversation('b', 2, { unreadCount: 0 }),
        c: conversation('c', 3, { unreadCount: 5 }),
      }),
    ).toBe(7);
    expect(unreadTotal({})).toBe(0);
  });

  it('leaves muted conversations out of the total', () => {
    expect(
      unreadTotal({
        a: conversation('a', 1, { unreadCount: 2 }),
        b: conversation('b', 2, { unreadCount: 5, muted: true }),
        c: conversation('c', 3, { unreadCount: 1 }),
      }),
    ).toBe(3);
  });
});

describe('favicon badge', () => {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32"/></svg>';
  const decode = (url: string) => decodeURIComponent(url.replace('data:image/svg+xml,', ''));

  it('adds a badge with the count (9+ beyond nine) inside the icon, as a data: URL', () => {
    const three = badgedIcon(svg, 3);
    expect(three.startsWith('data:image/svg+xml,')).toBe(true);
    expect(decode(three)).toMatch(/<circle [^>]+\/><text [^>]+>3<\/text><\/svg>$/);
    expect(decode(badgedIcon(svg, 42))).toContain('>9+</text>');
  });

  it('leaves the icon as it is with nothing unread or when it is not SVG', () => {
    expect(decode(badgedIcon(svg, 0))).toBe(svg);
    expect(decode(badgedIcon('not an icon', 4))).toBe('not an icon');
  });
});

describe('desktop notifications', () => {
  const direct = conversation('d1', 1, {
    type: 'direct',
    title: null,
    members: [
      { id: ME, displayName: 'Me', role: 'member' },
      { id: ADA, displayName: 'Ada', role: 'member' },
    ],
  });
  const group = conversation('g1', 1, { title: 'Launch' });

  it('come for a direct message, titled with the sender, the first line as body', () => {
    const content = notificationFor(
      direct,
      message(1, { conversationId: 'd1', body: '\nhello\nsecond' }),
      ME,
    );
    expect(content).toEqual({ title: 'Ada', body: 'hello', tag: 'parley-d1' });
  });

  it('come for a mention in a group, and not for other group messages', () => {
    expect(notificationFor(group, message(1, { conversationId: 'g1', mentionIds: [ME] }), ME)).toEqual({
      title: 'Ada mentioned you in Launch',
      body: 'message 1',
      tag: 'parley-g1',
    });
    expect(notificationFor(group, message(2, { conversationId: 'g1' }), ME)).toBeUndefined();
    expect(notificationFor(group, message(3, { mentionIds: ['someone-else'] }), ME)).toBeUndefined();
  });

  it('never come for a muted conversation or a timeline line', () => {
    expect(
      notificationFor({ ...direct, muted: true }, message(1, { conversationId: 'd1' }), ME),
    ).toBeUndefined();
    const line = message(2, {
      conversationId: 'g1',
      kind: 'system',
      body: '',
      mentionIds: [ME],
      system: { event: 'added', actorId: ADA, targetId: ME },
    });
    expect(notificationFor(group, line, ME)).toBeUndefined();
  });

  it('never come for your own or a deleted message; an attachment-only one or a long line is summed up', () => {
    expect(notificationFor(direct, message(1, { senderId: ME }), ME)).toBeUndefined();
    expect(
      notificationFor(direct, message(2, { deletedAt: '2026-01-01T00:00:00.000Z' }), ME),
    ).toBeUndefined();
    const attachment = { id: 'a', name: 'x.png', size: 1, contentType: 'image/png' };
    expect(notificationFor(direct, message(3, { body: '', attachments: [attachment] }), ME)?.body).toBe(
      'Sent an attachment',
    );
    const long = notificationFor(direct, message(4, { body: 'x'.repeat(500) }), ME)?.body ?? '';
    expect(long).toHaveLength(140);
    expect(long.endsWith('…')).toBe(true);
  });
});
