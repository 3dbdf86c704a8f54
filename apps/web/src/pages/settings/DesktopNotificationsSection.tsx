import { useEffect, useId, useState } from 'react';
import './notifications.css';
import { Status } from '../../components/Status.js';
import { type DesktopState, desktopState, turnOff, turnOn } from '../../notifications/desktop-preference.js';

const DESCRIPTION: Record<DesktopState, string> = {
  on: 'On in this browser: direct messages and mentions of you show as desktop notifications while Parley is open in a hidden tab.',
  off: 'Off in this browser.',
  denied:
    'Blocked: this browser refuses notifications for Parley. Allow them in the site settings (the icon beside the address), then come back here.',
  unsupported: 'This browser cannot show desktop notifications.',
};

/**
 * Settings → Notifications, "Desktop notifications": the opt-in for this browser. The browser asks for
 * permission only when the user presses the button, never on load.
 */
export function DesktopNotificationsSection() {
  const [state, setState] = useState<DesktopState>(desktopState);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string>();
  const titleId = useId();

  // The permission can change in the browser's own settings while the page is open.
  useEffect(() => {
    const refresh = () => setState(desktopState());
    document.addEventListener('visibilitychange', refresh);
    return () => document.removeEventListener('visibilitychange', refresh);
  }, []);

  const enable = async () => {
    setBusy(true);
    setSaved(undefined);
    try {
      const next = await turnOn();
      setState(next);
      setSaved(next === 'on' ? 'Desktop notifications are on in this browser.' : undefined);
    } finally {
      setBusy(false);
    }
  };
  const disable = () => {
    setState(turnOff());
    setSaved('Desktop notifications are off in this browser.');
  };

  return (
    <section className="notify-section" aria-labelledby={titleId}>
      <h2 id={titleId} className="section-title">
        Desktop notifications
      </h2>
      <p>{DESCRIPTION[state]}</p>
      {state === 'off' ? (
        <button type="button" className="button button-primary" onClick={enable} disabled={busy}>
          {busy ? 'Asking your browser…' : 'Turn on desktop notifications'}
        </button>
      ) : null}
      {state === 'on' ? (
        <button type="button" className="button" onClick={disable}>
          Turn off desktop notifications
        </button>
      ) : null}
      <Status>{saved}</Status>
    </section>
  );
}
