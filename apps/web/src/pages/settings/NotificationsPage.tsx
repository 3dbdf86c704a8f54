import { Page } from '../../components/Page.js';
import { DesktopNotificationsSection } from './DesktopNotificationsSection.js';

/** Settings → Notifications: how Parley tells you about messages; each kind is its own section. */
export function NotificationsPage() {
  return (
    <Page title="Notifications" lead="How Parley tells you about direct messages and mentions of you.">
      <DesktopNotificationsSection />
    </Page>
  );
}
