import type { ServerFrame } from '@parley/contract';

type MessageFrame = Extract<ServerFrame, { type: 'message' | 'message_updated' }>;

/** The encoded `message` / `message_updated` frame of each message object, while the object lives. */
const encoded = new WeakMap<object, { message?: Buffer; message_updated?: Buffer; json?: string }>();

function entryOf(message: object) {
  let entry = encoded.get(message);
  if (!entry) {
    entry = {};
    encoded.set(message, entry);
  }
  return entry;
}

/** JSON of a message object, made once however many frames carry it. */
function messageJson(message: object): string {
  const entry = entryOf(message);
  entry.json ??= JSON.stringify(message);
  return entry.json;
}

/**
 * A server frame as it goes on the wire. A message event reaches every member's connection with the
 * same message object (the bus hands one object to every local subscriber), so its frame is serialized
 * and UTF-8 encoded once and the same bytes are sent to every recipient; the sender's ack reuses the
 * message's JSON. Same text as `JSON.stringify(frame)` (the frames' keys are in this order). Anything
 * else is stringified as it comes.
 */
export function encodeFrame(frame: ServerFrame): string | Buffer {
  switch (frame.type) {
    case 'message':
    case 'message_updated': {
      const entry = entryOf((frame as MessageFrame).message);
      let bytes = entry[frame.type];
      if (!bytes) {
        bytes = Buffer.from(`{"type":"${frame.type}","message":${messageJson(frame.message)}}`, 'utf8');
        entry[frame.type] = bytes;
      }
      return bytes;
    }
    case 'ack':
      return `{"type":"ack","clientId":${JSON.stringify(frame.clientId)},"message":${messageJson(frame.message)}}`;
    default:
      return JSON.stringify(frame);
  }
}
