import type { ReactNode } from 'react';
import { Logo } from '../components/Logo.js';
import { Link } from '../router/router.js';

/** Signed-out pages: the brand and one centered card. */
export function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <div className="auth-layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="auth-header">
        <Link to="/" className="brand">
          <Logo />
          <span>Parley</span>
        </Link>
      </header>
      <main id="main" className="auth-card" tabIndex={-1}>
        {children}
      </main>
      <footer className="auth-footer">
        <p>Secure, real-time messaging.</p>
      </footer>
    </div>
  );
}
