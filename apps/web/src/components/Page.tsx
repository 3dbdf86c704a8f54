import { type ReactNode, useEffect, useRef } from 'react';
import { useLocation } from '../router/router.js';

interface PageProps {
  title: string;
  /** Text under the heading. */
  lead?: ReactNode;
  children: ReactNode;
}

/**
 * Names the page (`document.title`, one `h1`) and, after client-side navigation, moves focus to the
 * heading, so screen readers announce the new page and Tab starts from the top of its content.
 */
export function Page({ title, lead, children }: PageProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  const { key } = useLocation();

  useEffect(() => {
    document.title = `${title} · Parley`;
  }, [title]);

  // Not on the first page the browser loaded: there the browser's own focus start is right.
  useEffect(() => {
    if (key > 0) heading.current?.focus();
  }, [key]);

  return (
    <>
      <h1 tabIndex={-1} ref={heading}>
        {title}
      </h1>
      {lead ? <p className="lead">{lead}</p> : null}
      {children}
    </>
  );
}
