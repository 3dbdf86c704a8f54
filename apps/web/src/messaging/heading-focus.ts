import { useEffect, useRef } from 'react';
import { useLocation } from '../router/router.js';

/** Focuses the page heading after client-side navigation (not on the first page load), like `Page`. */
export function useHeadingFocus<T extends HTMLElement>(enabled = true) {
  const ref = useRef<T>(null);
  const { key } = useLocation();
  useEffect(() => {
    if (enabled && key > 0) ref.current?.focus();
  }, [key, enabled]);
  return ref;
}
