import { describe, expect, it } from 'vitest';
import { adjacentConversation } from '../../src/messaging/conversation-keys.js';

describe('Alt+↑ / Alt+↓ between conversations (adjacentConversation)', () => {
  const ids = ['a', 'b', 'c'];

  it('moves to the conversation above or below in the list', () => {
    expect(adjacentConversation(ids, 'b', 1)).toBe('c');
    expect(adjacentConversation(ids, 'b', -1)).toBe('a');
  });

  it('stays put at either end', () => {
    expect(adjacentConversation(ids, 'a', -1)).toBeUndefined();
    expect(adjacentConversation(ids, 'c', 1)).toBeUndefined();
  });

  it('with none open (or one not in the list), goes to the first (↓) or the last (↑)', () => {
    expect(adjacentConversation(ids, undefined, 1)).toBe('a');
    expect(adjacentConversation(ids, undefined, -1)).toBe('c');
    expect(adjacentConversation(ids, 'gone', 1)).toBe('a');
    expect(adjacentConversation([], undefined, 1)).toBeUndefined();
  });
});
