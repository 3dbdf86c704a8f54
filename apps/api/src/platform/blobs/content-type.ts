import { fileTypeFromBuffer } from 'file-type';

/**
 * Types an attachment may have. Each is recognised from its bytes; none can run script when opened from
 * Parley's origin (downloads are also sent with `Content-Disposition: attachment` and `nosniff`).
 */
export const ATTACHMENT_TYPES = Object.freeze([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'application/zip',
] as const);
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

/** Types that can carry script (stored XSS) when a browser renders them: refused by name, whatever the bytes. */
const SCRIPTABLE_TYPES = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/javascript',
  'application/javascript',
  'text/xsl',
]);

/** Markup at the start of a text: what a browser could take for HTML, SVG or XML. */
const MARKUP_START = /^\s*<(?:!doctype\s+html|html|head|body|script|svg|iframe|\?xml|xsl)[\s>/]/i;

const isAttachmentType = (type: string): type is AttachmentType =>
  (ATTACHMENT_TYPES as readonly string[]).includes(type);

/** `Image/PNG; charset=x` → `image/png`. */
export function essence(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * UTF-8 without NUL bytes. The head may end inside a character (it is cut at a byte count), so an
 * incomplete sequence at the very end is allowed; an invalid one anywhere is not.
 */
function isUtf8Text(head: Uint8Array): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * What the first bytes of a file are, as a MIME type: `file-type`'s answer for binary formats; else
 * `text/html` for text starting with HTML/SVG/XML markup; else `text/plain` for UTF-8 text without NUL
 * bytes; else undefined (empty, or not recognised).
 */
export async function sniffContentType(head: Uint8Array): Promise<string | undefined> {
  if (head.length === 0) return undefined;
  const detected = await fileTypeFromBuffer(head);
  if (detected) return detected.mime;
  if (!isUtf8Text(head)) return undefined;
  const start = new TextDecoder('utf-8').decode(head.subarray(0, 512)).replace(/^\uFEFF/, '');
  return MARKUP_START.test(start) ? 'text/html' : 'text/plain';
}

/**
 * Accepts an upload when its declared `Content-Type` is on the allowlist and the bytes are that type.
 * `contentType` is what to store and serve: the bare type, with `; charset=utf-8` for text (checked).
 * Only the head is checked: enough to know the format, and the format is what a browser acts on.
 */
export async function checkDeclaredType(
  declared: string,
  head: Uint8Array,
): Promise<{ ok: true; contentType: string } | { ok: false; reason: string }> {
  const type = essence(declared);
  if (SCRIPTABLE_TYPES.has(type)) {
    return { ok: false, reason: `${type} is not accepted: it can carry script` };
  }
  if (!isAttachmentType(type)) {
    return {
      ok: false,
      reason: `${type || 'a missing type'} is not accepted; allowed: ${ATTACHMENT_TYPES.join(', ')}`,
    };
  }
  const actual = await sniffContentType(head);
  if (actual === undefined) {
    return {
      ok: false,
      reason: head.length === 0 ? 'the body is empty' : `the bytes are not ${type}`,
    };
  }
  if (actual !== type) return { ok: false, reason: `declared ${type} but the bytes are ${actual}` };
  return { ok: true, contentType: type === 'text/plain' ? 'text/plain; charset=utf-8' : type };
}

/** File name extensions of each attachment type, lower case; the first is the one a name gets. */
const EXTENSIONS: Readonly<Record<AttachmentType, readonly string[]>> = Object.freeze({
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg', 'jpe'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt', 'text'],
  'application/zip': ['zip'],
});

/**
 * The name to store for a file of a checked type: kept when its extension already says that type, else
 * with the type's extension added (`page.html` accepted as text/plain becomes `page.html.txt`), so a
 * downloaded file never opens as something else (HTML, a program) on the recipient's computer.
 * At most `maxLength` characters (code points), trimmed before the extension.
 */
export function nameForType(name: string, contentType: string, maxLength = 200): string {
  const type = essence(contentType);
  if (!isAttachmentType(type)) throw new RangeError(`${type} is not an attachment type`);
  const extensions = EXTENSIONS[type];
  const dot = name.lastIndexOf('.');
  const current = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (extensions.includes(current)) return name;
  const extension = `.${extensions[0]}`;
  const base = Array.from(name.replace(/[.\s]+$/u, '') || 'attachment');
  return base.slice(0, maxLength - extension.length).join('') + extension;
}
