/** The Parley mark: two speech bubbles. Decorative; the visible word "Parley" names the link. */
export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
      <path
        className="logo-back"
        d="M12 3h14a4 4 0 0 1 4 4v9a4 4 0 0 1-4 4h-1v4l-5-4h-8a4 4 0 0 1-4-4V7a4 4 0 0 1 4-4z"
      />
      <path
        className="logo-front"
        d="M6 10h12a4 4 0 0 1 4 4v7a4 4 0 0 1-4 4h-7l-5 4v-4a4 4 0 0 1-4-4v-7a4 4 0 0 1 4-4z"
      />
    </svg>
  );
}
