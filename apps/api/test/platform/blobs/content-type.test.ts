import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ATTACHMENT_TYPES,
  checkDeclaredType,
  nameForType,
  sniffContentType,
} from '../../../src/platform/blobs/content-type.js';

const ascii = (text: string) => Buffer.from(text, 'latin1');

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([ascii(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A complete 1×1 grey PNG. */
function png(): Buffer {
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]); // 1×1, 8-bit greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 0x80]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** SOI, a JFIF APP0 segment, then the start of a quantisation table. */
const jpeg = () =>
  Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    ascii('JFIF\0'),
    Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xdb, 0x00, 0x43, 0x00]),
  ]);
/** Header and logical screen descriptor of a 1×1 GIF89a, then its trailer. */
const gif = () => Buffer.concat([ascii('GIF89a'), Buffer.from([1, 0, 1, 0, 0, 0, 0, 0x3b])]);
/** RIFF container of a lossy WebP with an empty VP8 chunk. */
const webp = () => {
  const vp8 = Buffer.concat([ascii('VP8 '), Buffer.from([10, 0, 0, 0]), Buffer.alloc(10)]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(4 + vp8.length);
  return Buffer.concat([ascii('RIFF'), size, ascii('WEBP'), vp8]);
};
const pdf = () => ascii('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n');
/** A local file header of a stored (uncompressed) entry "a.txt". */
const zip = () =>
  Buffer.concat([
    Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    Buffer.alloc(12),
    Buffer.from([5, 0, 0, 0]),
    ascii('a.txt'),
  ]);

const svg = () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
const xmlSvg = () =>
  Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
const html = () => Buffer.from('<!DOCTYPE html><html><body><script>alert(1)</script></body></html>');

const samples: [string, () => Buffer][] = [
  ['image/png', png],
  ['image/jpeg', jpeg],
  ['image/gif', gif],
  ['image/webp', webp],
  ['application/pdf', pdf],
  ['application/zip', zip],
];

describe('attachment content types', () => {
  it('allows exactly the listed types, and no scriptable one', () => {
    expect([...ATTACHMENT_TYPES].sort()).toEqual(
      [
        'application/pdf',
        'application/zip',
        'image/gif',
        'image/jpeg',
        'image/png',
        'image/webp',
        'text/plain',
      ].sort(),
    );
  });

  it.each(samples)('recognises %s from its bytes and accepts it declared as such', async (type, make) => {
    expect(await sniffContentType(make())).toBe(type);
    expect(await checkDeclaredType(type, make())).toEqual({ ok: true, contentType: type });
  });

  it('ignores parameters and case in the declared type', async () => {
    expect(await checkDeclaredType('Image/PNG; name="x.png"', png())).toEqual({
      ok: true,
      contentType: 'image/png',
    });
  });

  it.each([
    ['image/png', pdf, 'application/pdf'],
    ['application/pdf', png, 'image/png'],
    ['image/jpeg', gif, 'image/gif'],
    ['image/webp', jpeg, 'image/jpeg'],
    ['application/zip', webp, 'image/webp'],
    ['text/plain', png, 'image/png'],
    ['image/png', () => Buffer.from('just some text'), 'text/plain'],
  ])('rejects declared %s whose bytes are something else', async (declared, make, actual) => {
    const result = await checkDeclaredType(declared, make());
    expect(result).toEqual({ ok: false, reason: `declared ${declared} but the bytes are ${actual}` });
  });

  it.each([
    ['image/svg+xml', svg],
    ['image/svg+xml', xmlSvg],
    ['text/html', html],
    ['text/html; charset=utf-8', html],
    ['application/xhtml+xml', html],
  ])('rejects %s by name: it can carry script', async (declared, make) => {
    const result = await checkDeclaredType(declared, make());
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/can carry script/);
  });

  it.each([
    ['SVG', svg],
    ['SVG with an XML declaration', xmlSvg],
    ['HTML', html],
    ['HTML after a BOM and blank lines', () => Buffer.from('\uFEFF\n\n  <html><script>x</script>')],
  ])('rejects %s bytes declared as text/plain or an image', async (_name, make) => {
    for (const declared of ['text/plain', 'image/png']) {
      expect((await checkDeclaredType(declared, make())).ok).toBe(false);
    }
  });

  it('accepts UTF-8 text, even when the head ends inside a character', async () => {
    const text = Buffer.from('Grüße, 你好, 👋 — a note\n');
    expect(await checkDeclaredType('text/plain', text)).toEqual({
      ok: true,
      contentType: 'text/plain; charset=utf-8',
    });
    const cut = text.subarray(0, text.indexOf(Buffer.from('👋')) + 2);
    expect((await checkDeclaredType('text/plain', cut)).ok).toBe(true);
    expect((await checkDeclaredType('text/plain', Buffer.from('a < b, and <b> is bold'))).ok).toBe(true);
  });

  it.each([
    ['a NUL byte', Buffer.from('hello\0world')],
    ['invalid UTF-8', Buffer.from([0x68, 0x69, 0xc3, 0x28, 0x21])],
    ['Latin-1 text', Buffer.from('caf\xe9 au lait', 'latin1')],
    ['a lone continuation byte', Buffer.from([0x61, 0x80, 0x62])],
    ['an overlong encoding', Buffer.from([0x61, 0xc0, 0xaf])],
  ])('rejects text/plain with %s', async (_case, head) => {
    expect(await sniffContentType(head)).toBeUndefined();
    expect(await checkDeclaredType('text/plain', head)).toEqual({
      ok: false,
      reason: 'the bytes are not text/plain',
    });
  });

  it.each([['application/octet-stream'], ['image/bmp'], ['video/mp4'], ['']])(
    'rejects the type "%s", which is not on the list',
    async (declared) => {
      const result = await checkDeclaredType(declared, png());
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toMatch(/is not accepted/);
    },
  );

  it('rejects an empty body', async () => {
    expect(await checkDeclaredType('text/plain', new Uint8Array(0))).toEqual({
      ok: false,
      reason: 'the body is empty',
    });
  });
});

describe('nameForType', () => {
  it.each([
    ['page.html', 'text/plain; charset=utf-8', 'page.html.txt'],
    ['notes.TXT', 'text/plain; charset=utf-8', 'notes.TXT'],
    ['README', 'text/plain; charset=utf-8', 'README.txt'],
    ['setup.exe', 'application/zip', 'setup.exe.zip'],
    ['photo.JPEG', 'image/jpeg', 'photo.JPEG'],
    ['photo.jpg', 'image/jpeg', 'photo.jpg'],
    ['photo.png', 'image/jpeg', 'photo.png.jpg'],
    ['report.pdf', 'application/pdf', 'report.pdf'],
    ['scan.svg', 'image/png', 'scan.svg.png'],
    ['trailing.', 'image/gif', 'trailing.gif'],
    ['', 'image/webp', 'attachment.webp'],
  ])('%s stored as %s is named %s', (name, type, expected) => {
    expect(nameForType(name, type)).toBe(expected);
  });

  it('gives every allowed type an extension, and keeps the name within the length limit by code points', () => {
    for (const type of ATTACHMENT_TYPES) expect(nameForType('x', type)).toMatch(/^x\.[a-z]+$/);
    const long = `${'🦊'.repeat(199)}.html`;
    const named = nameForType(long, 'text/plain');
    expect(Array.from(named)).toHaveLength(200);
    expect(named.endsWith('🦊.txt')).toBe(true);
  });
});
