interface LoadMoreProps {
  loading: boolean;
  /** Why the last attempt failed; the button then says Try again. */
  error?: string | undefined;
  /** Said while loading, e.g. "Loading earlier messages…". */
  loadingText: string;
  /** The button's words, e.g. "Load earlier messages". */
  label: string;
  onLoad(): void;
}

/** The end of a partly loaded list: a spinner while the next part loads, else a button (and why it failed). */
export function LoadMore({ loading, error, loadingText, label, onLoad }: LoadMoreProps) {
  if (loading) {
    return (
      <p className="loading-line" role="status">
        <span className="spinner" aria-hidden="true" /> {loadingText}
      </p>
    );
  }
  return (
    <>
      {error ? <p className="alert-text">{error}</p> : null}
      <button type="button" className="button button-secondary button-small" onClick={onLoad}>
        {error ? 'Try again' : label}
      </button>
    </>
  );
}
