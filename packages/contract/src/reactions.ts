import { z } from 'zod';

/**
 * Short names a client may send instead of the emoji itself (`PUT …/reactions/+1`, or `:tada:`): a small,
 * fixed list of the common ones. They are stored as the emoji, so `+1` and 👍 are one reaction.
 */
export const REACTION_SHORT_NAMES: Readonly<Record<string, string>> = Object.freeze({
  '+1': '👍',
  thumbsup: '👍',
  '-1': '👎',
  thumbsdown: '👎',
  heart: '❤️',
  smile: '😄',
  slightly_smiling_face: '🙂',
  laughing: '😆',
  joy: '😂',
  tada: '🎉',
  hooray: '🎉',
  confused: '😕',
  open_mouth: '😮',
  cry: '😢',
  sob: '😭',
  thinking: '🤔',
  eyes: '👀',
  rocket: '🚀',
  fire: '🔥',
  pray: '🙏',
  clap: '👏',
  wave: '👋',
  ok_hand: '👌',
  star: '⭐',
  '100': '💯',
  white_check_mark: '✅',
});

/** Longest input looked at: the longest emoji (a kiss with two skin tones) is 15 UTF-16 units. */
const MAX_INPUT = 64;

const RGI_EMOJI_SOURCE = String.raw`^\p{RGI_Emoji}$`;
/**
 * For engines without the `v` flag (older Safari): one pictograph or keycap or flag, with modifiers,
 * variation selectors and ZWJ-joined pictographs. Looser than RGI; the server (Node ≥ 20) is exact.
 */
const APPROXIMATE_EMOJI =
  /^(?:\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3|(?:\p{Extended_Pictographic}|\p{Emoji_Presentation})\uFE0F?\p{Emoji_Modifier}?(?:\u200D\p{Extended_Pictographic}\uFE0F?\p{Emoji_Modifier}?)*)$/u;

let rgiEmoji: RegExp | undefined;
/** `^\p{RGI_Emoji}$`, built at run time: TypeScript's ES2023 target does not accept the `v` flag in literals. */
function isRgiEmoji(value: string): boolean {
  if (rgiEmoji === undefined) {
    try {
      rgiEmoji = new RegExp(RGI_EMOJI_SOURCE, 'v');
    } catch {
      rgiEmoji = APPROXIMATE_EMOJI;
    }
  }
  return rgiEmoji.test(value);
}

/**
 * The stored form of a reaction, or undefined when `input` is not one: exactly one emoji of Unicode's
 * recommended set (RGI: one grapheme, skin tones, ZWJ sequences such as 👩‍💻, flags and keycaps), or one of
 * `REACTION_SHORT_NAMES` (bare or between colons). Text, several emoji, or an emoji with text is refused.
 * Variation selectors are made canonical so one look is one reaction: `❤` (text default) and `❤︎` become
 * `❤️`, and `😀` with a needless U+FE0F becomes `😀`.
 */
export function reactionEmoji(input: string): string | undefined {
  if (input.length === 0 || input.length > MAX_INPUT) return undefined;
  const name = /^:?([a-z0-9_+-]{1,40}):?$/.exec(input)?.[1];
  if (name !== undefined)
    return Object.hasOwn(REACTION_SHORT_NAMES, name) ? REACTION_SHORT_NAMES[name] : undefined;
  const bare = input.replace(/[\uFE0E\uFE0F]/gu, '');
  const first = String.fromCodePoint(bare.codePointAt(0) ?? 0);
  const candidates = [input, bare, `${first}\uFE0F${bare.slice(first.length)}`];
  return candidates.find(isRgiEmoji);
}

/**
 * A reaction as a request names it (`PUT /api/messages/:id/reactions/:emoji`, URL-encoded): one emoji or a
 * short name (see `reactionEmoji`), given back in its stored form.
 */
export const ReactionEmoji = z
  .string()
  .max(MAX_INPUT, { message: 'must be one emoji' })
  .overwrite((value) => reactionEmoji(value) ?? value)
  .refine(isRgiEmoji, { message: 'must be one emoji, or a short name such as +1 or heart' })
  .describe('one emoji (URL-encoded), or a short name such as `+1`, `heart`, `tada`');
