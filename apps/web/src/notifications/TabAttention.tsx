import { useEffect } from 'react';
import type { MessagingStore } from '../realtime/messaging-store.js';
import { useMessaging } from '../realtime/use-messaging.js';
import { useNavigate } from '../router/router.js';
import { badgedIcon, notificationFor, titleWithCount, unreadTotal } from './attention.js';
import { desktopState } from './desktop-preference.js';

/** The favicon as served, read once (same origin, so `connect-src 'self'` allows it). */
let iconSource: Promise<string | undefined> | undefined;
function originalIcon(href: string): Promise<string | undefined> {
  iconSource ??= fetch(href).then(
    (response) => (response.ok ? response.text() : undefined),
    () => undefined,
  );
  return iconSource;
}

/** Keeps `(N) ` in front of the page title, whatever title the current screen sets. */
function useTitleCount(unread: number): void {
  useEffect(() => {
    const apply = () => {
      const wanted = titleWithCount(document.title, unread);
      if (document.title !== wanted) document.title = wanted;
    };
    apply();
    // Screens set their own titles (document.title = …): put the count back in front each time.
    const observer = new MutationObserver(apply);
    observer.observe(document.head, { childList: true, subtree: true, characterData: true });
    return () => {
      observer.disconnect();
      document.title = titleWithCount(document.title, 0);
    };
  }, [unread]);
}

/** Draws the unread count on the favicon (a badged copy of the icon as a data: URL). */
function useFaviconBadge(unread: number): void {
  useEffect(() => {
    const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (!link) return;
    const original = link.dataset.original ?? link.getAttribute('href') ?? '/favicon.svg';
    link.dataset.original = original;
    let current = true;
    void originalIcon(original).then((svg) => {
      if (!current || svg === undefined) return;
      link.href = unread > 0 ? badgedIcon(svg, unread) : original;
    });
    return () => {
      current = false;
      link.href = original;
    };
  }, [unread]);
}

/**
 * What pulls the user back while the messaging screens are open: the unread total in the tab title and
 * on the favicon, and — when the tab is hidden and the user opted in (Settings → Notifications) — a
 * desktop notification for each direct message or mention of them. Clicking it brings the window forward
 * on that conversation.
 */
export function TabAttention({ store }: { store: MessagingStore }) {
  const unread = useMessaging((state) => unreadTotal(state.conversations));
  const navigate = useNavigate();
  useTitleCount(unread);
  useFaviconBadge(unread);

  useEffect(
    () =>
      store.onNewMessage((message, conversation) => {
        if (document.visibilityState !== 'hidden' || desktopState() !== 'on') return;
        const content = notificationFor(conversation, message, store.userId);
        if (!content) return;
        const notification = new Notification(content.title, {
          body: content.body,
          tag: content.tag,
          icon: '/favicon.svg',
        });
        notification.onclick = () => {
          window.focus();
          navigate(`/conversations/${encodeURIComponent(conversation.id)}`);
          notification.close();
        };
      }),
    [store, navigate],
  );
  return null;
}
