import type { Conversation, ConversationList } from '@parley/contract';
import type { QueryClient } from '@tanstack/react-query';
import { conversationPageQuery, conversationQuery } from '../api/queries.js';
import type { ConversationsEvent } from './conversation-list.js';
import type { MessagingState } from './messaging-state.js';

export interface ListHost {
  state(): MessagingState;
  remember(conversations: readonly Conversation[]): void;
  list(event: ConversationsEvent): void;
  adopt(conversation: Conversation): void;
}

/** Loads the conversation list's pages (through the server cache) for the messaging store. */
export class ListLoader {
  /** List pages already folded into the state (callers that joined one request get the same answer). */
  readonly #folded = new WeakSet<object>();

  constructor(
    private readonly queries: QueryClient,
    private readonly host: ListHost,
  ) {}

  /**
   * (Re)loads the first page of the list and merges it with what is already known (see firstPage). Whether
   * it is loading or failed is the page query's state (useListStatus).
   */
  refresh(): Promise<void> {
    return this.queries.fetchQuery(conversationPageQuery(null)).then(
      (page) => this.#fold(page, { type: 'first_page', page }),
      () => undefined,
    );
  }

  /** The next page of older conversations (infinite scroll down the list). */
  loadMore(): Promise<void> {
    const { nextCursor: cursor, ready } = this.host.state().list;
    if (!cursor || !ready) return Promise.resolve();
    return this.queries.fetchQuery(conversationPageQuery(cursor)).then(
      (page) => this.#fold(page, { type: 'more_loaded', cursor, page }),
      () => undefined,
    );
  }

  #fold(page: ConversationList, event: ConversationsEvent): void {
    if (this.#folded.has(page)) return;
    this.#folded.add(page);
    this.host.remember(
      page.conversations.filter((c) => event.type === 'first_page' || !this.host.state().removed[c.id]),
    );
    this.host.list(event);
  }

  /** A message arrived for a conversation the list has not loaded (an older page): fetch it. */
  discover(id: string): void {
    if (this.host.state().removed[id] || this.host.state().conversations[id]) return;
    this.#adoptFetched(id, {});
  }

  /** Fetches a loaded conversation again (its counts changed in a way live events do not tell). */
  refetch(id: string): void {
    this.#adoptFetched(id, { staleTime: 0 });
  }

  #adoptFetched(id: string, options: { staleTime?: number }): void {
    this.queries.fetchQuery({ ...conversationQuery(id), ...options }).then(
      (conversation) => {
        if (!this.host.state().removed[id]) this.host.adopt(conversation);
      },
      () => undefined,
    );
  }
}
