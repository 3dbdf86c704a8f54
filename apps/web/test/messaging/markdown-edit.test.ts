import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toggleWrap } from '../../src/messaging/markdown-edit.js';

describe('formatting shortcuts (toggleWrap)', () => {
  it('wraps the selection and keeps it selected', () => {
    expect(toggleWrap({ text: 'say hello now', start: 4, end: 9 }, '**')).toEqual({
      text: 'say **hello** now',
      start: 6,
      end: 11,
    });
  });

  it('puts empty markers around the cursor when nothing is selected', () => {
    expect(toggleWrap({ text: 'ab', start: 1, end: 1 }, '_')).toEqual({ text: 'a__b', start: 2, end: 2 });
  });

  it('unwraps a selection that is already wrapped, inside or outside', () => {
    expect(toggleWrap({ text: 'say **hello** now', start: 6, end: 11 }, '**')).toEqual({
      text: 'say hello now',
      start: 4,
      end: 9,
    });
    expect(toggleWrap({ text: 'say **hello** now', start: 4, end: 13 }, '**')).toEqual({
      text: 'say hello now',
      start: 4,
      end: 9,
    });
  });

  it('toggling twice gives back the text (fuzzed)', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(), fc.nat(), fc.constantFrom('**', '_', '~~'), (text, a, b, marker) => {
        const start = Math.min(a, b) % (text.length + 1);
        const end = Math.max(start, Math.max(a, b) % (text.length + 1));
        // Text that already has markers next to the selection may be unwrapped first: skip those.
        fc.pre(!text.includes(marker[0] ?? ''));
        const once = toggleWrap({ text, start, end }, marker);
        expect(once.text.slice(once.start, once.end)).toBe(text.slice(start, end));
        expect(toggleWrap(once, marker)).toEqual({ text, start, end });
      }),
    );
  });
});
