/**
 * Whether this browser shows desktop notifications: the user opted in here (stored per browser, in
 * localStorage) and the browser granted the permission. The permission is only ever asked for by the
 * user's click in Settings → Notifications, never on load.
 */

const KEY = 'parley.desktopNotifications';

export type DesktopState = 'unsupported' | 'denied' | 'on' | 'off';

export function notificationsSupported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

function optedIn(): boolean {
  try {
    return localStorage.getItem(KEY) === 'on';
  } catch {
    return false;
  }
}

function remember(on: boolean): void {
  try {
    localStorage.setItem(KEY, on ? 'on' : 'off');
  } catch {
    // Storage disabled: the choice lasts for this page only.
  }
}

/** Where this browser stands. */
export function desktopState(): DesktopState {
  if (!notificationsSupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  return optedIn() && Notification.permission === 'granted' ? 'on' : 'off';
}

/** Opting in: asks the browser (a prompt the first time), remembers the choice when granted. */
export async function turnOn(): Promise<DesktopState> {
  if (!notificationsSupported()) return 'unsupported';
  const permission = await Notification.requestPermission();
  if (permission === 'granted') remember(true);
  return desktopState();
}

/** Opting out here (the browser's permission stays as it is). */
export function turnOff(): DesktopState {
  remember(false);
  return desktopState();
}
