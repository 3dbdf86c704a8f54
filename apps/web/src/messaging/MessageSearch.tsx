import { type Conversation, type SearchResult, snippetParts } from '@parley/contract';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import {
  type FormEvent,
  type KeyboardEvent,
  type RefObject,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
} from 'react';
import { describeError, isApiError } from '../api/client.js';
import { conversationQuery, SEARCH_PAGE_SIZE, searchQuery } from '../api/queries.js';
import { LoadMore } from '../components/LoadMore.js';
import { useMessaging, useMessagingStore } from '../realtime/use-messaging.js';
import { Link, useLocation, useNavigate } from '../router/router.js';
import { conversationName, memberName, messageTime } from './names.js';

/** History state of a navigation made by the shortcut to reach the search box. */
const FOCUS_SEARCH = 'parley:focus-search';

/**
 * Ctrl+K (Cmd+K on a Mac) anywhere on the messaging screens focuses the search box. On a phone-sized
 * screen showing a conversation the box is not shown: the shortcut goes to the list screen, where it is.
 */
function useSearchShortcut(input: RefObject<HTMLInputElement | null>): void {
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      if (
        event.key.toLowerCase() !== 'k' ||
        !(event.ctrlKey || event.metaKey) ||
        event.altKey ||
        event.shiftKey
      ) {
        return;
      }
      event.preventDefault();
      const box = input.current;
      if (box && box.getClientRects().length === 0) {
        navigate('/', { state: FOCUS_SEARCH });
        return;
      }
      box?.focus();
      box?.select();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [input, navigate]);
  // After that navigation: focused once the page's own heading focus is done.
  useEffect(() => {
    if (location.key === 0 || location.state !== FOCUS_SEARCH) return;
    const timer = window.setTimeout(() => input.current?.focus(), 0);
    return () => window.clearTimeout(timer);
  }, [input, location]);
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

interface MessageSearchProps {
  /** The level of the results' heading (one below the pane's). */
  headingLevel: 2 | 3;
  /** The query whose results are shown ('' for none); kept by the pane so results survive opening one. */
  query: string;
  onQuery(query: string): void;
}

/**
 * The search box above the conversation list and, once a search is made, its results in place of the
 * list: grouped by conversation (newest first, each group where its newest result falls), each result a
 * link that opens the conversation scrolled to the message, marked. Submitted with Enter; Escape clears.
 */
export function MessageSearch({ headingLevel, query, onQuery }: MessageSearchProps) {
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const hintId = useId();
  const [text, setText] = useState(query);
  useSearchShortcut(input);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onQuery(text.trim());
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Escape' && (text || query)) {
      event.preventDefault();
      setText('');
      onQuery('');
    }
  };

  return (
    <>
      <search className="message-search">
        <form onSubmit={submit} className="search-form">
          <label htmlFor={inputId} className="visually-hidden">
            Search messages
          </label>
          <input
            ref={input}
            id={inputId}
            type="search"
            className="search-input"
            placeholder={`Search (${isMac ? '⌘' : 'Ctrl+'}K)`}
            value={text}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={onKeyDown}
            aria-keyshortcuts="Control+K Meta+K"
            aria-describedby={hintId}
            autoComplete="off"
            enterKeyHint="search"
            maxLength={200}
          />
          <button type="submit" className="button button-secondary button-small">
            Search
          </button>
          <p id={hintId} className="visually-hidden">
            Press Enter to search. Use quotes for a phrase and * after a word for words starting with it.
            Escape clears the search.
          </p>
        </form>
      </search>
      {query ? (
        <SearchResults key={query} query={query} headingLevel={headingLevel} onClear={() => onQuery('')} />
      ) : null}
    </>
  );
}

/** Short pages fetched one after the other without asking (see SearchResults). */
const AUTO_PAGES = 5;

interface Group {
  conversationId: string;
  results: SearchResult[];
}

/** Results in groups by conversation, in the order of each conversation's newest result. */
function groupResults(results: readonly SearchResult[]): Group[] {
  const groups = new Map<string, Group>();
  for (const result of results) {
    let group = groups.get(result.conversationId);
    if (!group) {
      group = { conversationId: result.conversationId, results: [] };
      groups.set(result.conversationId, group);
    }
    group.results.push(result);
  }
  return [...groups.values()];
}

function SearchResults({
  query,
  headingLevel,
  onClear,
}: {
  query: string;
  headingLevel: 2 | 3;
  onClear(): void;
}) {
  const search = useInfiniteQuery(searchQuery(query));
  const titleId = useId();
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  const pages = search.data?.pages ?? [];
  const results = useMemo(() => search.data?.pages.flatMap((page) => page.results) ?? [], [search.data]);
  const groups = useMemo(() => groupResults(results), [results]);
  // A short page with a cursor: the server stopped reading (its per-request allowance) before it had a
  // page; the next one continues further back. A few such pages are fetched at once, then on request.
  const short = search.hasNextPage && (pages.at(-1)?.results.length ?? 0) < SEARCH_PAGE_SIZE;
  const { hasNextPage, isFetching, isError, fetchNextPage } = search;
  useEffect(() => {
    if (short && !isFetching && !isError && pages.length < AUTO_PAGES) void fetchNextPage();
  }, [short, isFetching, isError, pages.length, fetchNextPage]);
  const searchingOn = short && isFetching && pages.length < AUTO_PAGES;

  let status: string;
  if (search.isPending || (searchingOn && results.length === 0)) status = 'Searching…';
  else if (search.isError) status = '';
  else if (results.length === 0 && hasNextPage)
    status = `No messages found for “${query}” among your recent messages.`;
  else if (results.length === 0) status = `No messages found for “${query}”.`;
  else
    status = `${results.length}${hasNextPage ? '+' : ''} ${results.length === 1 ? 'message' : 'messages'} found.`;

  const problem = search.isError
    ? isApiError(search.error, 'validation_failed')
      ? `This search can’t be run: ${search.error.fieldErrors.q ?? search.error.message}.`
      : describeError(search.error)
    : undefined;

  return (
    <section className="search-results" aria-labelledby={titleId}>
      <div className="search-results-head">
        <Heading id={titleId} className="search-results-title">
          Results for “{query}”
        </Heading>
        <button type="button" className="button-link" onClick={onClear}>
          Clear search
        </button>
      </div>
      <p className="search-status" role="status">
        {status === 'Searching…' ? <span className="spinner" aria-hidden="true" /> : null} {status}
      </p>
      {problem ? (
        <p className="alert-text search-problem" role="alert">
          {problem}
        </p>
      ) : null}
      {groups.map((group) => (
        <ResultGroup key={group.conversationId} group={group} headingLevel={headingLevel} />
      ))}
      {search.hasNextPage ? (
        <div className="list-more">
          <LoadMore
            loading={search.isFetchingNextPage}
            error={search.isFetchNextPageError ? describeError(search.error) : undefined}
            loadingText={short ? 'Searching older messages…' : 'Loading more results…'}
            label={short ? 'Search older messages' : 'Show more results'}
            onLoad={() => void search.fetchNextPage()}
          />
        </div>
      ) : null}
    </section>
  );
}

/** The conversation a result is in: from the list when loaded, else fetched (an older page of it). */
function useConversation(id: string): Conversation | undefined {
  const known = useMessaging((state) => state.conversations[id]);
  const fetched = useQuery({ ...conversationQuery(id), enabled: known === undefined });
  return known ?? fetched.data;
}

function ResultGroup({ group, headingLevel }: { group: Group; headingLevel: 2 | 3 }) {
  const store = useMessagingStore();
  const conversation = useConversation(group.conversationId);
  const Heading = headingLevel === 2 ? 'h3' : 'h4';
  const name = conversation ? conversationName(conversation, store.userId) : 'Conversation';
  return (
    <div className="search-group">
      <Heading className="search-group-title">{name}</Heading>
      <ul className="search-hits">
        {group.results.map((result) => (
          <li key={result.message.id}>
            <Link
              className="search-hit"
              to={`/conversations/${encodeURIComponent(result.conversationId)}?message=${result.message.seq}`}
            >
              <span className="search-hit-meta">
                <span className="search-hit-sender">
                  {conversation ? memberName(conversation, result.message.senderId, store.userId) : ''}
                </span>{' '}
                <time dateTime={result.message.createdAt}>{messageTime(result.message.createdAt)}</time>
              </span>
              <span className="search-snippet">
                {snippetParts(result.snippet).map((part, index) =>
                  part.hit ? (
                    // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one snippet never move.
                    <mark key={index}>{part.text}</mark>
                  ) : (
                    // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one snippet never move.
                    <span key={index}>{part.text}</span>
                  ),
                )}
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
