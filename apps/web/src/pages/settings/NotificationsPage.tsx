import { Page } from '../../components/Page.js';
import { DesktopNotificationsSection } from './DesktopNotificationsSection.js';
import { EmailNotificationsSection } from './EmailNotificationsSection.js';
import { PresenceVisibilitySection } from './PresenceVisibilitySection.js';

/**
 * Settings → Notifications: one self-contained section per concern (desktop notifications in this
 * browser, email while away, online status), each loading and saving its own part of the settings.
 */
export function NotificationsPage() {
  return (
    <Page
      title="Notifications"
      lead="Choose how Parley tells you about messages, and what others see of you."
    >
      <DesktopNotificationsSection />
      <EmailNotificationsSection />
      <PresenceVisibilitySection />
    </Page>
  );
}
