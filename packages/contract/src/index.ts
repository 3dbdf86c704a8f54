export * from './auth.js';
export * from './errors.js';
export * from './health.js';
export * from './messaging.js';
export * from './mfa.js';
export * from './realtime.js';
export * from './text.js';
