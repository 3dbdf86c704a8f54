/**
 * The generated parts of docs/api.md: the routes (from the OpenAPI document the app builds from its zod
 * schemas), the WebSocket frames, close codes and error codes (from @parley/contract). The prose around
 * them is written by hand in docs/api.md; each generated block sits between `<!-- api-doc:NAME … -->` and
 * `<!-- /api-doc:NAME -->`. `npm run docs:api` rewrites the blocks (write-api-doc.ts); the test
 * apps/api/test/http/api-doc.test.ts fails when the file differs from what this renders.
 *
 * Every route, frame, close code and error code needs a note in api-doc.notes.ts: a new one without a note, or a note
 * for something that no longer exists, fails rendering (and so the test).
 */
import * as contract from '@parley/contract';
import { z } from 'zod';
import {
  CLIENT_FRAME_NOTES,
  CLOSE_NOTES,
  ERROR_NOTES,
  ROUTE_NOTES,
  SERVER_FRAME_NOTES,
  TAG_TITLES,
} from './api-doc.notes.js';

/** The parts of an OpenAPI 3.1 document this reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}
interface OpenApiOperation {
  tags?: string[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
}
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
}

/** Section titles of the route tables, in the order the app registers the routes' tags. */
const NAMED_SHAPES: readonly [string, z.ZodObject][] = [
  ['User', contract.User],
  ['PublicUser', contract.PublicUser],
  ['Member', contract.Member],
  ['Session', contract.Session],
  ['Attachment', contract.Attachment],
  ['Reaction', contract.Reaction],
  ['ReplyTo', contract.ReplyTo],
  ['SystemEvent', contract.SystemEvent],
  ['Message', contract.Message],
  ['Conversation', contract.Conversation],
  ['Passkey', contract.PasskeySummary],
  ['SearchResult', contract.SearchResult],
];
const keySignature = (keys: readonly string[]) => [...keys].sort().join(',');
const NAMES_BY_KEYS = new Map(
  NAMED_SHAPES.map(([name, schema]) => [keySignature(Object.keys(schema.shape)), name]),
);

/** Checks that `notes` has an entry for exactly `keys`: nothing undocumented, nothing stale. */
function requireNotes(what: string, notes: Readonly<Record<string, string>>, keys: readonly string[]): void {
  const missing = keys.filter((key) => !(key in notes));
  const stale = Object.keys(notes).filter((key) => !keys.includes(key));
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(
      `scripts/api-doc.ts: ${what} notes are out of date.${missing.length ? ` Missing: ${missing.join(', ')}.` : ''}${stale.length ? ` For nothing that exists: ${stale.join(', ')}.` : ''}`,
    );
  }
}

/** A JSON schema in a table cell: field names, with contract shapes by name and literals by value. */
function describe(schema: JsonSchema | undefined, depth = 0, spellOut = false): string {
  if (!schema) return '';
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const parts = alternatives.filter((s) => s.type !== 'null').map((s) => describe(s, depth));
    const nullable = alternatives.some((s) => s.type === 'null') ? ' \\| null' : '';
    return `${parts.join(' \\| ')}${nullable}`;
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' \\| ');
  if (schema.type === 'array') return `[${describe(schema.items, depth)}]`;
  if (schema.properties) {
    const keys = Object.keys(schema.properties);
    const named = NAMES_BY_KEYS.get(keySignature(keys));
    if (named && !spellOut) return named;
    if (depth > 0) return 'object';
    const required = new Set(schema.required ?? []);
    const fields = keys.map((key) => {
      const inner = describe(schema.properties?.[key], depth + 1);
      const name = required.has(key) ? key : `${key}?`;
      return inner && inner !== 'object' && !/^[a-z]+$/.test(inner) ? `${name}: ${inner}` : name;
    });
    return `{ ${fields.join(', ')} }`;
  }
  return Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? '');
}

const code = (text: string) => `\`${text}\``;
const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

function renderRoutes(doc: OpenApiDocument): string {
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      key: `${method.toUpperCase()} ${path}`,
      tag: operation.tags?.[0] ?? '',
      operation,
    })),
  );
  requireNotes(
    'ROUTE_NOTES',
    ROUTE_NOTES,
    operations.map((o) => o.key),
  );
  const tags = [...new Set(operations.map((o) => o.tag))];
  requireNotes('TAG_TITLES', TAG_TITLES, tags);
  return tags
    .map((tag) => {
      const rows = operations
        .filter((o) => o.tag === tag)
        .map(({ key, operation }) => {
          const query = (operation.parameters ?? [])
            .filter((p) => p.in === 'query')
            .map((p) => (p.required ? p.name : `${p.name}?`));
          const body = describe(operation.requestBody?.content?.['application/json']?.schema);
          const request = [query.length ? `query \`{ ${query.join(', ')} }\`` : '', body ? code(body) : '']
            .filter(Boolean)
            .join(', ');
          const statuses = Object.keys(operation.responses ?? {});
          const success = statuses
            .filter((status) => status < '300')
            .sort((a, b) => (a === '201' ? -1 : b === '201' ? 1 : a.localeCompare(b)))
            .map((status) => {
              const content = operation.responses?.[status]?.content ?? {};
              const json = content['application/json']?.schema;
              return json ? `${status} ${code(describe(json))}` : status;
            })
            .join(', ');
          const errors = statuses.filter((status) => status >= '400').join(' ');
          return row([code(key), request || '–', success, errors || '–', ROUTE_NOTES[key] ?? '']);
        });
      return [
        `### ${TAG_TITLES[tag]}`,
        '',
        row(['method and path', 'request', 'success', 'error statuses', 'who, and notes']),
        row(['---', '---', '---', '---', '---']),
        ...rows,
      ].join('\n');
    })
    .join('\n\n');
}

type FrameUnion = z.ZodDiscriminatedUnion<z.ZodObject[]>;

function renderFrames(union: FrameUnion, notes: Readonly<Record<string, string>>, what: string): string {
  const frames = union.options.map((option) => {
    const { type, ...fields } = option.shape as Record<string, z.ZodType>;
    const name = String((type as z.ZodLiteral<string>).value);
    const json = z.toJSONSchema(z.object(fields), { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    const described = describe(json);
    const rest = described === '{  }' ? '' : `, ${described.slice(2, -2)}`;
    return { name, shape: `{ type: "${name}"${rest} }` };
  });
  requireNotes(
    what,
    notes,
    frames.map((f) => f.name),
  );
  return [
    row(['frame', 'when']),
    row(['---', '---']),
    ...frames.map((f) => row([code(f.shape), notes[f.name] ?? ''])),
  ].join('\n');
}

function renderCloseCodes(): string {
  const codes = Object.entries(contract as Record<string, unknown>)
    .filter(
      (entry): entry is [string, number] => entry[0].startsWith('WS_CLOSE_') && typeof entry[1] === 'number',
    )
    .sort((a, b) => a[1] - b[1]);
  requireNotes(
    'CLOSE_NOTES',
    CLOSE_NOTES,
    codes.map(([name]) => name),
  );
  return [
    row(['code', 'contract', 'meaning']),
    row(['---', '---', '---']),
    ...codes.map(([name, value]) => row([String(value), code(name), CLOSE_NOTES[name] ?? ''])),
  ].join('\n');
}

function renderErrors(): string {
  const codes = contract.ErrorCode.options;
  requireNotes('ERROR_NOTES', ERROR_NOTES, codes);
  return [
    row(['code', 'HTTP status', 'meaning']),
    row(['---', '---', '---']),
    ...codes.map((c) => row([code(c), String(contract.errorStatus[c]), ERROR_NOTES[c]])),
  ].join('\n');
}

function renderShapes(): string {
  return NAMED_SHAPES.map(([name, schema]) => {
    const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as JsonSchema;
    // Outside a table a pipe needs no escape.
    return `- **${name}** ${code(describe(json, 0, true).replaceAll('\\|', '|'))}`;
  }).join('\n');
}

/** Every generated block of docs/api.md, by name. */
export function renderApiBlocks(doc: OpenApiDocument): Record<string, string> {
  return {
    routes: renderRoutes(doc),
    shapes: renderShapes(),
    'client-frames': renderFrames(
      contract.ClientFrame as unknown as FrameUnion,
      CLIENT_FRAME_NOTES,
      'CLIENT_FRAME_NOTES',
    ),
    'server-frames': renderFrames(
      contract.ServerFrame as unknown as FrameUnion,
      SERVER_FRAME_NOTES,
      'SERVER_FRAME_NOTES',
    ),
    'close-codes': renderCloseCodes(),
    errors: renderErrors(),
  };
}

const BLOCK = /(<!-- api-doc:([a-z-]+)[^>]*-->\n)[\s\S]*?(<!-- \/api-doc:\2 -->)/g;

/** docs/api.md with every generated block replaced; each block must be there exactly once. */
export function updateApiDoc(markdown: string, blocks: Record<string, string>): string {
  const seen: string[] = [];
  const updated = markdown.replace(BLOCK, (_all, open: string, name: string, close: string) => {
    const content = blocks[name];
    if (content === undefined) throw new Error(`docs/api.md has a block "${name}" that nothing generates`);
    seen.push(name);
    return `${open}${content}\n${close}`;
  });
  const missing = Object.keys(blocks).filter((name) => !seen.includes(name));
  const twice = seen.filter((name, i) => seen.indexOf(name) !== i);
  if (missing.length > 0 || twice.length > 0)
    throw new Error(`docs/api.md: blocks missing: [${missing.join(', ')}], repeated: [${twice.join(', ')}]`);
  return updated;
}
