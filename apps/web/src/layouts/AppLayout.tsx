import { type ReactNode, useState } from 'react';
import { api, describeError } from '../api/client.js';
import { Logo } from '../components/Logo.js';
import { Link, useLocation, useNavigate } from '../router/router.js';
import { useSession, useUser } from '../session/session-context.js';
import { UserMenu } from './UserMenu.js';

/** Signed-in pages: header with the brand, main navigation and the user menu, then the page. */
export function AppLayout({ children }: { children: ReactNode }) {
  const user = useUser();
  const { signedOut } = useSession();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const [signingOut, setSigningOut] = useState(false);
  const [problem, setProblem] = useState<string>();

  const signOut = () => {
    if (signingOut) return;
    setSigningOut(true);
    api.logout().then(
      () => {
        signedOut('signed-out');
        navigate('/sign-in', { replace: true, state: { reason: 'signed-out' } });
      },
      (error: unknown) => {
        setSigningOut(false);
        setProblem(describeError(error));
      },
    );
  };

  const conversations = pathname === '/' || pathname.startsWith('/conversations');
  return (
    <div className="app-layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <Link to="/" className="brand">
          <Logo />
          <span>Parley</span>
        </Link>
        <nav aria-label="Main" className="app-nav">
          <Link to="/" aria-current={conversations ? 'page' : undefined}>
            Conversations
          </Link>
        </nav>
        <UserMenu user={user} onSignOut={signOut} signingOut={signingOut} />
      </header>
      {problem ? (
        <div className="banner" role="alert">
          {problem}
        </div>
      ) : null}
      <main id="main" className="app-main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
