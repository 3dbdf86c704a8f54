import type { ReactNode } from 'react';
import { Link, useLocation } from '../router/router.js';

const SECTIONS = [
  { to: '/settings', label: 'Profile' },
  { to: '/settings/email', label: 'Email' },
  { to: '/settings/password', label: 'Password' },
  { to: '/settings/notifications', label: 'Notifications' },
  { to: '/settings/security', label: 'Security' },
  { to: '/settings/sessions', label: 'Devices and sessions' },
  { to: '/settings/security-log', label: 'Security log' },
  { to: '/settings/delete-account', label: 'Delete account' },
] as const;

/** Account settings: a section list beside (or, on phones, above) the current section. */
export function SettingsLayout({ children }: { children: ReactNode }) {
  const { pathname } = useLocation();
  return (
    <div className="settings">
      <nav aria-label="Account settings" className="settings-nav">
        <p className="settings-nav-title">Account settings</p>
        <ul>
          {SECTIONS.map((section) => (
            <li key={section.to}>
              <Link to={section.to} aria-current={pathname === section.to ? 'page' : undefined}>
                {section.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="settings-content">{children}</div>
    </div>
  );
}
