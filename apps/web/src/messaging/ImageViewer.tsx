import type { Attachment } from '@parley/contract';
import { useEffect, useId, useRef, useState } from 'react';
import './image-viewer.css';

/**
 * An image attachment: its preview is a button that opens the image full size in a modal dialog (the
 * browser's `<dialog>`: focus stays inside, Escape closes). Closing returns focus to the preview.
 */
export function ImageAttachment({ attachment, url }: { attachment: Attachment; url: string }) {
  const [open, setOpen] = useState(false);
  const thumb = useRef<HTMLButtonElement>(null);
  return (
    <>
      <button
        type="button"
        className="attachment-thumb"
        ref={thumb}
        aria-haspopup="dialog"
        aria-label={`View ${attachment.name} full size`}
        onClick={() => setOpen(true)}
      >
        <img className="attachment-image" src={url} alt={attachment.name} loading="lazy" />
      </button>
      {open ? (
        <ImageViewer
          name={attachment.name}
          url={url}
          onClose={() => {
            setOpen(false);
            thumb.current?.focus();
          }}
        />
      ) : null}
    </>
  );
}

function ImageViewer({ name, url, onClose }: { name: string; url: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    // Focus on the safe action (showModal would pick the first control, Download).
    closeButton.current?.focus();
    return () => element?.close();
  }, []);
  const close = () => dialog.current?.close();
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click on the backdrop closes; the keyboard has Escape and the Close button.
    <dialog
      ref={dialog}
      className="image-viewer"
      aria-labelledby={titleId}
      onClose={onClose}
      onClick={(event) => {
        if (event.target === event.currentTarget) close();
      }}
    >
      <div className="image-viewer-bar">
        <h2 id={titleId} className="image-viewer-title">
          {name}
        </h2>
        <a className="button button-secondary button-small" href={url} download={name}>
          Download<span className="visually-hidden"> {name}</span>
        </a>
        <button
          type="button"
          className="button button-primary button-small"
          onClick={close}
          ref={closeButton}
        >
          Close
        </button>
      </div>
      <img className="image-viewer-image" src={url} alt={name} />
    </dialog>
  );
}
