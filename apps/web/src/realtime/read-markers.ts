import { api, isApiError } from '../api/client.js';
import type { MessagingState } from './messaging-state.js';

/**
 * Stores the local read position on the server, one request per conversation at a time. Over the
 * read-marker limit it posts again once the window has passed, so the marker is never left behind.
 */
export class ReadMarkers {
  readonly #inFlight = new Set<string>();

  constructor(
    private readonly state: () => MessagingState,
    private readonly running: () => boolean,
  ) {}

  post(conversationId: string): void {
    const seq = this.state().conversations[conversationId]?.lastReadSeq;
    if (seq === undefined || !this.running() || this.#inFlight.has(conversationId)) return;
    this.#inFlight.add(conversationId);
    api.markRead(conversationId, seq).then(
      () => {
        this.#inFlight.delete(conversationId);
        // Read further while this request was in flight: store that too.
        if ((this.state().conversations[conversationId]?.lastReadSeq ?? 0) > seq) this.post(conversationId);
      },
      (error: unknown) => {
        this.#inFlight.delete(conversationId);
        if (isApiError(error, 'rate_limited')) {
          window.setTimeout(() => this.post(conversationId), (error.retryAfterSeconds ?? 5) * 1000);
        }
      },
    );
  }
}
