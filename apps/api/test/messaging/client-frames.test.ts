import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { decodeClientFrame, errorFrame, peekClientId } from '../../src/modules/realtime/client-frames.js';

const text = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('client frames', () => {
  it('decodes a frame the contract accepts', () => {
    expect(decodeClientFrame(text({ type: 'ping' }), false)).toEqual({ frame: { type: 'ping' } });
  });

  it('refuses binary frames and text that is not JSON, naming no frame', () => {
    for (const [data, isBinary] of [
      [text({ type: 'ping' }), true],
      [text('not json'), false],
    ] as const) {
      expect(decodeClientFrame(data, isBinary)).toEqual({
        error: { type: 'error', error: { code: 'validation_failed', message: 'Frames are JSON text' } },
      });
    }
  });

  it("answers an invalid frame with the fields at fault and the frame's clientId", () => {
    const { error } = decodeClientFrame(text({ type: 'send', clientId: 'c-1', conversationId: 42 }), false);
    expect(error).toMatchObject({
      type: 'error',
      clientId: 'c-1',
      error: { code: 'validation_failed', message: 'Frame is not valid' },
    });
    const details = (error as { error: { details: { path: string }[] } }).error.details;
    expect(details.map((d) => d.path)).toEqual(expect.arrayContaining(['conversationId', 'body']));
  });

  it('peeks at the clientId of a frame it will not handle, at most 64 characters', () => {
    expect(peekClientId(text({ type: 'send', clientId: 'x'.repeat(100) }), false)).toBe('x'.repeat(64));
    expect(peekClientId(text({ type: 'send', clientId: 7 }), false)).toBeUndefined();
    expect(peekClientId(text('{'), false)).toBeUndefined();
    expect(peekClientId(text({ clientId: 'c' }), true)).toBeUndefined();
  });

  it('shows an AppError as it is and anything else as internal_error', () => {
    expect(errorFrame(new AppError('not_found', 'Conversation not found'), 'c')).toEqual({
      type: 'error',
      clientId: 'c',
      error: { code: 'not_found', message: 'Conversation not found' },
    });
    expect(errorFrame(new Error('secret detail'))).toEqual({
      type: 'error',
      error: { code: 'internal_error', message: 'Internal error' },
    });
  });
});
