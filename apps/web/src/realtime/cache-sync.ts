import type { Conversation, ConversationList, PublicUser, User } from '@parley/contract';
import type { QueryClient } from '@tanstack/react-query';
import { meQuery } from '../api/queries.js';
import { withUserRenamed } from './conversation-list.js';

/**
 * Someone's new display name into the server cache (the user's own `me`, fetched conversations), so
 * nothing shows the old name until it is fetched again.
 */
export function renameInCache(queries: QueryClient, userId: string, user: PublicUser): void {
  if (user.id === userId) {
    queries.setQueryData<User>(meQuery.queryKey, (me) =>
      me && me.displayName !== user.displayName ? { ...me, displayName: user.displayName } : me,
    );
  }
  queries.setQueriesData<Conversation | ConversationList>({ queryKey: ['conversations'] }, (data) => {
    if (!data) return data;
    if ('conversations' in data) {
      const conversations = data.conversations.map((c) => withUserRenamed(c, user));
      return conversations.every((c, index) => c === data.conversations[index])
        ? data
        : { ...data, conversations };
    }
    return withUserRenamed(data, user);
  });
}
