import { type ReactNode, useEffect, useRef } from 'react';

let firstPage = true;

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

  useEffect(() => {
    document.title = `${title} · Parley`;
  }, [title]);

  useEffect(() => {
    if (firstPage) {
      firstPage = false;
      return;
    }
    heading.current?.focus();
  }, []);

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
