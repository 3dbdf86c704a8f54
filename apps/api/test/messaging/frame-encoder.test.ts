import type { Message, ServerFrame } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/modules/realtime/frame-encoder.js';

const message: Message = {
  id: 'm1',
  conversationId: 'c1',
  seq: 3,
  rev: 4,
  senderId: 'u1',
  clientId: 'k1',
  body: 'héllo "quoted" \u2028 ✓',
  createdAt: '2026-01-01T00:00:00.000Z',
  editedAt: null,
  deletedAt: null,
  attachments: [],
  reactions: [],
  replyTo: null,
  mentionIds: ['u2'],
  kind: 'text',
  system: null,
};

const text = (encoded: string | Buffer) => (typeof encoded === 'string' ? encoded : encoded.toString('utf8'));

describe('frame encoder', () => {
  it('writes exactly what JSON.stringify writes, for message, message_updated, ack and other frames', () => {
    const frames: ServerFrame[] = [
      { type: 'message', message },
      { type: 'message_updated', message },
      { type: 'ack', clientId: 'k"1', message },
      { type: 'pong' },
      { type: 'typing', conversationId: 'c1', userId: 'u2' },
    ];
    for (const frame of frames) expect(text(encodeFrame(frame))).toBe(JSON.stringify(frame));
  });

  it('encodes a message event once: every recipient gets the same bytes', () => {
    const first = encodeFrame({ type: 'message', message });
    const second = encodeFrame({ type: 'message', message });
    expect(Buffer.isBuffer(first)).toBe(true);
    expect(second).toBe(first);
    // Another kind of frame for the same message is its own encoding; another message object is too.
    expect(encodeFrame({ type: 'message_updated', message })).not.toBe(first);
    const copy = { ...message };
    expect(encodeFrame({ type: 'message', message: copy })).not.toBe(first);
    expect(text(encodeFrame({ type: 'message', message: copy }))).toBe(text(first));
  });
});
