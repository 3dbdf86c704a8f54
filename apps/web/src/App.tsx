import { useEffect, useState } from 'react';
import { fetchReadiness, type Readiness } from './health.js';

const LABELS: Record<Readiness['state'], string> = {
  checking: 'Checking the server…',
  ready: 'Server and database are ready',
  unavailable: 'Server is not ready',
};

export function App() {
  const [readiness, setReadiness] = useState<Readiness>({ state: 'checking' });

  useEffect(() => {
    const controller = new AbortController();
    void fetchReadiness(controller.signal).then((result) => {
      if (!controller.signal.aborted) setReadiness(result);
    });
    return () => controller.abort();
  }, []);

  return (
    <main className="shell">
      <h1>Parley</h1>
      <p className="tagline">Secure, real-time messaging.</p>
      <p
        className={`status status-${readiness.state}`}
        role="status"
        aria-live="polite"
        data-testid="readiness"
      >
        {LABELS[readiness.state]}
        {readiness.state === 'unavailable' ? `: ${readiness.message}` : ''}
      </p>
    </main>
  );
}
