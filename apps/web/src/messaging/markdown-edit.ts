/** Editing helpers for the composer's formatting shortcuts (Ctrl+B, Ctrl+I): pure, so they are unit-tested. */

export interface TextSelection {
  text: string;
  start: number;
  end: number;
}

/**
 * Wraps the selected text in `marker` (e.g. `**` for bold), or unwraps it when the selection is already
 * wrapped (inside or just outside the selection). With nothing selected the markers go around the cursor,
 * which stays between them. Returns the new text and the new selection.
 */
export function toggleWrap({ text, start, end }: TextSelection, marker: string): TextSelection {
  const from = Math.min(start, end);
  const to = Math.max(start, end);
  const selected = text.slice(from, to);
  const size = marker.length;
  // The selection includes the markers: "**bold**" selected.
  if (selected.length >= 2 * size && selected.startsWith(marker) && selected.endsWith(marker)) {
    const inner = selected.slice(size, selected.length - size);
    return { text: text.slice(0, from) + inner + text.slice(to), start: from, end: from + inner.length };
  }
  // The markers are just outside it: "**[bold]**".
  if (text.slice(from - size, from) === marker && text.slice(to, to + size) === marker && from >= size) {
    return {
      text: text.slice(0, from - size) + selected + text.slice(to + size),
      start: from - size,
      end: to - size,
    };
  }
  return {
    text: `${text.slice(0, from)}${marker}${selected}${marker}${text.slice(to)}`,
    start: from + size,
    end: to + size,
  };
}
