import { z } from 'zod';

/**
 * Characters that would let a name look like something else, or like nothing at all: C0/C1 controls and
 * NUL (Cc), invisible format characters (Cf: bidi embeddings, overrides and isolates U+202A–202E and
 * U+2066–2069, marks U+200E/200F, zero-width U+200B–200D, U+2060–2064, U+FEFF, soft hyphen U+00AD, tags),
 * line and paragraph separators, lone surrogates, noncharacters and the other default-ignorable code points
 * (Hangul fillers, variation selectors out of place).
 */
const HIDDEN =
  /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]/gu;

/** Scripts that need U+200C/U+200D between their letters (Persian ZWNJ, Indic half forms): visible there. */
const JOINING_SCRIPTS = [
  'Arabic',
  'Syriac',
  'Devanagari',
  'Bengali',
  'Gurmukhi',
  'Gujarati',
  'Oriya',
  'Tamil',
  'Telugu',
  'Kannada',
  'Malayalam',
  'Sinhala',
];

/**
 * The only places where a hidden character is part of what people see:
 * - U+200D inside an emoji ZWJ sequence (👩‍💻, 🏳️‍🌈): between two pictographs;
 * - U+200C/U+200D between two letters of one script that shapes differently with them;
 * - U+FE0E/U+FE0F after an emoji-capable character, ideographic variation selectors after an ideograph;
 * - the tag characters of a subdivision flag (🏴 + tags + cancel tag).
 */
const ALLOWED_IN_CONTEXT = new RegExp(
  [
    String.raw`(?<=\p{Extended_Pictographic}\p{Emoji_Modifier}?\uFE0F?)\u200D(?=\p{Extended_Pictographic})`,
    ...JOINING_SCRIPTS.map((script) => String.raw`(?<=\p{scx=${script}})[\u200C\u200D](?=\p{scx=${script}})`),
    String.raw`(?<=\p{Emoji})[\uFE0E\uFE0F]`,
    String.raw`(?<=\p{Ideographic})[\u{E0100}-\u{E01EF}]`,
    String.raw`(?<=\u{1F3F4})[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,6}\u{E007F}`,
  ].join('|'),
  'gu',
);

const codePoint = (char: string) =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The first character of `value` that is invisible, a control or a text-direction override where it
 * stands, as `U+XXXX`; undefined when there is none. Emoji sequences and script joiners are allowed.
 */
export function hiddenCharacter(value: string): string | undefined {
  const allowed = new Set<number>();
  for (const match of value.matchAll(ALLOWED_IN_CONTEXT)) {
    for (let offset = 0; offset < match[0].length; offset += 1) allowed.add(match.index + offset);
  }
  for (const match of value.matchAll(HIDDEN)) {
    if (!allowed.has(match.index)) return codePoint(match[0]);
  }
  return undefined;
}

/** The one refinement every name others see goes through; the message names the character found. */
export function rejectHiddenCharacters(value: string, ctx: z.RefinementCtx<string>): void {
  const found = hiddenCharacter(value);
  if (found) {
    ctx.addIssue({
      code: 'custom',
      input: value,
      message: `must not contain invisible, control or text-direction characters (found ${found})`,
    });
  }
}

/**
 * A name other people see (display name, group title, file name): checked for hidden characters, then
 * trimmed, NFC-normalised (so one spelling is stored for one look) and 1–`max` characters.
 */
export const VisibleName = (max: number) =>
  z
    .string()
    .superRefine(rejectHiddenCharacters)
    .trim()
    .normalize('NFC')
    .min(1, { message: 'must not be empty' })
    .max(max, { message: `must be at most ${max} characters` })
    .describe(
      `1–${max} characters, trimmed, stored in NFC; no control, NUL, bidi-control or invisible format characters (emoji ZWJ sequences and script joiners are allowed)`,
    );

/** Message text is kept as typed except NUL, which no database column or client should have to carry. */
export const stripNul = (value: string): string => value.replaceAll('\0', '');
