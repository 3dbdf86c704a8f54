import type { User } from '@parley/contract';
import { useEffect, useId, useRef, useState } from 'react';
import { Link } from '../router/router.js';

interface UserMenuProps {
  user: User;
  onSignOut(): void;
  signingOut: boolean;
}

/**
 * A disclosure (button + list of links), not an ARIA `menu`: Tab moves through the items as users expect.
 * Escape or a click outside closes it and returns focus to the button.
 */
export function UserMenu({ user, onSignOut, signingOut }: UserMenuProps) {
  const [open, setOpen] = useState(false);
  const listId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onFocus = (event: FocusEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('focusin', onFocus);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('focusin', onFocus);
    };
  }, [open]);

  const initial = [...user.displayName.trim()][0]?.toUpperCase() ?? '?';
  return (
    <div className="user-menu" ref={root}>
      <button
        type="button"
        ref={button}
        className="user-menu-button"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen((shown) => !shown)}
      >
        <span className="avatar" aria-hidden="true">
          {initial}
        </span>
        <span className="user-menu-name">{user.displayName}</span>
        <span className="visually-hidden">, account menu</span>
      </button>
      <div className="user-menu-panel" id={listId} hidden={!open}>
        <p className="user-menu-who">
          <span className="user-menu-display">{user.displayName}</span>
          <span className="user-menu-email">{user.email}</span>
        </p>
        <ul>
          <li>
            <Link to="/settings" onClick={() => setOpen(false)}>
              Account settings
            </Link>
          </li>
          <li>
            <Link to="/settings/sessions" onClick={() => setOpen(false)}>
              Devices and sessions
            </Link>
          </li>
          <li>
            <button
              type="button"
              className="menu-action"
              onClick={onSignOut}
              aria-disabled={signingOut || undefined}
            >
              {signingOut ? 'Signing out…' : 'Sign out'}
            </button>
          </li>
        </ul>
      </div>
    </div>
  );
}
