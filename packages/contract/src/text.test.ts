import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DisplayName, RegisterBody } from './auth.js';
import { AttachmentUploadQuery, CreateConversationBody, EditMessageBody, MessageBody } from './messaging.js';
import { ClientFrame } from './realtime.js';
import { hiddenCharacter, VisibleName } from './text.js';

/** Every character the issue names, plus other Cc/Cf/default-ignorable ones. */
const HIDDEN = [
  ...['\u202A', '\u202B', '\u202C', '\u202D', '\u202E'],
  ...['\u2066', '\u2067', '\u2068', '\u2069'],
  ...['\u200B', '\u200C', '\u200D', '\u200E', '\u200F'],
  ...['\u2060', '\u2061', '\u2062', '\u2063', '\u2064'],
  ...['\uFEFF', '\u00AD', '\u061C', '\u180E', '\u034F', '\u3164', '\u115F', '\uFFA0', '\u{E0041}'],
  ...['\u0000', '\u0001', '\u0007', '\t', '\n', '\r', '\u001B', '\u007F', '\u0085', '\u009B'],
  ...['\u2028', '\u2029', '\uD800', '\uDFFF', '\uFFFE', '\uFE00'],
];

const codePoint = (char: string) =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Visible text: letters of several scripts, digits, punctuation, spaces inside, emoji. */
const visibleChar = fc.constantFrom(
  ...[..."AaZz09 .-_'éßçØ∑ЖжΩλ中文日本한국אבגعربي"],
  ...['हि', 'न्', 'दी', '😀', '👍🏽', '❤️', '🎉', '👩‍💻', 'e\u0301'],
);
const visibleGraphemes = fc
  .array(visibleChar, { minLength: 1, maxLength: 40 })
  .filter((chars) => chars.join('').trim().length > 0);
const visibleText = visibleGraphemes.map((chars) => chars.join(''));

describe('hidden characters in names (one refinement for display names, group titles, file names)', () => {
  it.each(HIDDEN.map((char) => [codePoint(char), char]))('rejects %s anywhere in a name', (code, char) => {
    for (const value of [`${char}Ada`, `Ad${char}a`, `Ada${char}`]) {
      const result = DisplayName.safeParse(value);
      expect(result.success, JSON.stringify(value)).toBe(false);
      expect(result.error?.issues[0]?.message).toBe(
        `must not contain invisible, control or text-direction characters (found ${code})`,
      );
    }
  });

  it('names the field in every body that carries a name', () => {
    const spoof = 'invoice\u202Egpj.exe';
    const register = RegisterBody.safeParse({
      email: 'a@example.com',
      password: 'violet-harbor-lantern-42',
      displayName: spoof,
    });
    expect(register.error?.issues.map((i) => i.path.join('.'))).toEqual(['displayName']);
    const group = CreateConversationBody.safeParse({ type: 'group', title: spoof, memberIds: [] });
    expect(group.error?.issues.map((i) => i.path.join('.'))).toEqual(['title']);
    const upload = AttachmentUploadQuery.safeParse({ conversationId: 'abc', name: spoof });
    expect(upload.error?.issues.map((i) => i.path.join('.'))).toEqual(['name']);
  });

  it('keeps what is visible: emoji ZWJ sequences, flags, keycaps, script joiners, marks', () => {
    for (const value of [
      '👩‍💻 Ada',
      '🏳️‍🌈',
      '🏳️‍⚧️',
      '👨‍👩‍👧‍👦 family',
      '🧑🏽‍🦰',
      '👩‍❤️‍👨',
      '🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}',
      '1\uFE0F\u20E3',
      'علی\u200Cرضا', // Persian: ZWNJ between Arabic-script letters changes their shape.
      'क्\u200Dष', // Devanagari: ZWJ after a virama asks for a half form.
      '葛\u{E0100}飾', // an ideographic variation sequence.
      'Zoë Ångström',
      'שלום Ada',
    ]) {
      expect(DisplayName.safeParse(value).data, JSON.stringify(value)).toBe(value.normalize('NFC'));
    }
  });

  it('allows ZWJ only between pictographs and joiners only inside a joining script', () => {
    expect(hiddenCharacter('ad\u200Dmin')).toBe('U+200D'); // looks like "admin"
    expect(hiddenCharacter('ad\u200Cmin')).toBe('U+200C');
    expect(hiddenCharacter('👍\u200D')).toBe('U+200D');
    expect(hiddenCharacter('\u200D👍')).toBe('U+200D');
    expect(hiddenCharacter('a\u200D👍')).toBe('U+200D');
    expect(hiddenCharacter('علی\u200Crza')).toBe('U+200C'); // across scripts
    expect(hiddenCharacter('A\uFE0F')).toBe('U+FE0F'); // a variation selector after a plain letter
    expect(hiddenCharacter('x\u{E0067}\u{E007F}')).toBe('U+E0067'); // tags without a black flag
  });

  it('normalises to NFC after trimming', () => {
    expect(DisplayName.parse('  Zoe\u0308  ')).toBe('Zoë');
    expect(DisplayName.parse('A\u030Angstro\u0308m')).toBe('Ångström');
    expect(DisplayName.safeParse('   ').error?.issues[0]?.message).toBe('must not be empty');
    expect(VisibleName(3).safeParse('abcd').error?.issues[0]?.message).toBe('must be at most 3 characters');
  });

  it('property: any visible name is accepted, trimmed and in NFC; parsing again changes nothing', () => {
    fc.assert(
      fc.property(visibleText, (text) => {
        const parsed = DisplayName.parse(text);
        expect(parsed).toBe(text.trim().normalize('NFC'));
        expect(DisplayName.parse(parsed)).toBe(parsed);
      }),
      { numRuns: 500 },
    );
  });

  it('property: one hidden character anywhere in a name makes it invalid and is named', () => {
    // Joiners are left out here: between two Arabic letters or two emoji they are visible, and allowed.
    const inserted = HIDDEN.filter((char) => char !== '\u200C' && char !== '\u200D');
    fc.assert(
      fc.property(visibleGraphemes, fc.constantFrom(...inserted), fc.nat(), (graphemes, hidden, at) => {
        const chars = [...graphemes];
        const position = at % (chars.length + 1);
        chars.splice(position, 0, hidden);
        const value = chars.join('');
        for (const schema of [DisplayName, VisibleName(200)]) {
          const result = schema.safeParse(value);
          expect(result.success, JSON.stringify(value)).toBe(false);
        }
        expect(hiddenCharacter(value)).toBe(codePoint(hidden));
      }),
      { numRuns: 1000 },
    );
  });

  it('property: whatever is accepted from arbitrary strings has no bidi, zero-width or control character', () => {
    const joiners = new Set(['\u200C', '\u200D']);
    const forbidden = (text: string) =>
      [...text].some((char) => {
        const code = char.codePointAt(0) ?? 0;
        return code < 0x20 || (code >= 0x7f && code <= 0x9f) || (HIDDEN.includes(char) && !joiners.has(char));
      });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (value) => {
        const result = DisplayName.safeParse(value);
        if (result.success) {
          expect(forbidden(result.data), JSON.stringify(result.data)).toBe(false);
          expect(result.data).toBe(result.data.normalize('NFC'));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('message bodies', () => {
  it('strip NUL and keep everything else as typed', () => {
    const typed = 'a\u0000b 👩‍💻 \u202Eright-to-left\u202C \u200B zero\twidth\n';
    expect(MessageBody.parse(typed)).toBe('ab 👩‍💻 \u202Eright-to-left\u202C \u200B zero\twidth\n');
    expect(EditMessageBody.parse({ body: '\u0000x' }).body).toBe('x');
    const frame = ClientFrame.parse({
      type: 'send',
      conversationId: 'c1',
      clientId: '9b2d6c1e-8a4f-4c3e-9f5a-1d2e3f4a5b6c',
      body: 'hi\u0000',
    });
    expect(frame.type === 'send' && frame.body).toBe('hi');
  });

  it('property: the stored body is the typed body without NULs, never normalised', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (value) => {
        expect(MessageBody.parse(value)).toBe(value.replaceAll('\0', ''));
      }),
      { numRuns: 1000 },
    );
  });
});
