import { api, describeError } from '../api/client.js';
import { missingAfter, type ThreadEvent } from './history.js';
import type { MessagingState } from './messaging-state.js';

const PAGE_SIZE = 50;

/**
 * Loads a thread's history from the API for the messaging store: the newest page, older pages, a page
 * around a message, a hole's messages, and whatever is missing after the newest held. It reads the
 * store's state and feeds what it loads back through the store's thread reducer.
 */
export class ThreadLoader {
  constructor(
    private readonly state: () => MessagingState,
    private readonly thread: (id: string, event: ThreadEvent) => void,
  ) {}

  async loadLatest(id: string): Promise<void> {
    this.thread(id, { type: 'latest_loading' });
    try {
      const page = await api.messages(id, { limit: PAGE_SIZE });
      this.thread(id, { type: 'latest_loaded', messages: page.messages, hasMore: page.hasMore });
      await this.fillGaps(id);
    } catch (error) {
      this.thread(id, { type: 'failed', error: describeError(error) });
    }
  }

  /** Fetches any messages missing between ones held, or after them up to the newest the server named. */
  async fillGaps(id: string): Promise<void> {
    for (let round = 0; round < 50; round++) {
      const lastSeq = this.state().conversations[id]?.lastSeq;
      const thread = this.state().threads[id];
      const after = missingAfter(thread?.messages ?? [], lastSeq, thread?.holes);
      if (after === undefined) return;
      const page = await api.messages(id, { after, limit: 100 });
      if (page.messages.length === 0) return;
      this.thread(id, { type: 'merged', messages: page.messages });
    }
  }

  /** One page further back in history (infinite scroll up). */
  async loadOlder(id: string): Promise<void> {
    const thread = this.state().threads[id];
    if (!thread || thread.loadingOlder || !thread.hasMoreBefore) return;
    const oldest = thread.messages[0]?.seq;
    if (oldest === undefined) return;
    this.thread(id, { type: 'older_loading' });
    try {
      const page = await api.messages(id, { before: oldest, limit: PAGE_SIZE });
      this.thread(id, { type: 'older_loaded', messages: page.messages, hasMore: page.hasMore });
    } catch (error) {
      this.thread(id, { type: 'older_failed', error: describeError(error) });
    }
  }

  /**
   * Makes sure the message at `seq` is held (a jump to a reply's original): when it is not, loads a page
   * around it; the gap between that page and the rest stays a hole until loaded (`loadGap`). Resolves to
   * whether it is held now.
   */
  async jumpTo(id: string, seq: number): Promise<boolean> {
    const held = () => this.state().threads[id]?.messages.some((m) => m.seq === seq) ?? false;
    if (held()) return true;
    const page = await api.messages(id, { around: seq, limit: PAGE_SIZE });
    this.thread(id, {
      type: 'around_loaded',
      messages: page.messages,
      hasMore: page.hasMore,
      hasMoreAfter: page.hasMoreAfter ?? false,
    });
    return held();
  }

  /** Loads the messages after a hole's seq (a page; the rest stays a hole). */
  async loadGap(id: string, after: number): Promise<void> {
    const thread = this.state().threads[id];
    if (!thread || thread.loadingGap !== undefined || !thread.holes.includes(after)) return;
    this.thread(id, { type: 'gap_loading', after });
    try {
      const page = await api.messages(id, { after, limit: PAGE_SIZE });
      this.thread(id, { type: 'gap_loaded', after, messages: page.messages });
    } catch (error) {
      this.thread(id, { type: 'gap_failed', error: describeError(error) });
    }
  }
}
