import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import type { SocketMetrics } from '../../platform/metrics/metrics.js';
import type { AuthDeps } from '../auth/auth.context.js';
import type { MessageDeps } from '../messages/message.service.js';
import type { Presence } from '../presence/presence.service.js';
import { Connection } from './connection.js';
import { Heartbeat } from './heartbeat.js';
import type { RealtimeLimits } from './realtime.limits.js';
import type { SessionRegistry } from './session-registry.js';

/** Largest frame a client may send; a bigger one closes that socket (1009) and nothing else. */
const MAX_FRAME_BYTES = 64 * 1024;

/** What the gateway is given by the composition root. */
export interface RealtimeDeps {
  readonly auth: AuthDeps;
  readonly messaging: MessageDeps;
  readonly presence: Presence;
  readonly limits: RealtimeLimits;
  /** Every instance hears every session end on the bus and closes its own sockets of that session. */
  readonly sessions: SessionRegistry<Connection>;
  /** WS_HEARTBEAT_MS. */
  readonly heartbeatMs: number;
  /** Where `parley_ws_connections` reads this instance's open sockets. */
  readonly metrics: SocketMetrics;
}

/**
 * The WebSocket gateway at /api/ws. Authenticated by the session cookie at the upgrade (Origin must be
 * allowed, so another site cannot ride the cookie) or by a first `auth` frame; never by a query string.
 */
export const realtimeRoutes: FastifyPluginAsync<{ deps: RealtimeDeps }> = async (app, { deps }) => {
  const { sessions, heartbeatMs } = deps;
  await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  deps.metrics.countWebSockets(() => app.websocketServer.clients.size);
  const heartbeat = new Heartbeat(heartbeatMs);
  app.addHook('onClose', async () => heartbeat.stop());

  // The Origin check every state-changing request gets (auth plugin), here on the upgrade, a GET.
  const onRequest = app.sameOrigin('WebSocket');
  app.get('/ws', { websocket: true, onRequest, schema: { hide: true } }, (socket, request) => {
    const connection = new Connection(
      socket,
      {
        auth: deps.auth,
        messaging: deps.messaging,
        presence: deps.presence,
        log: request.log,
        limits: deps.limits,
        address: request.ip,
        tcp: request.raw.socket,
        register: (c) => sessions.add(c),
        unregister: (c) => sessions.remove(c),
      },
      request.auth,
    );
    // Heartbeat (WS_HEARTBEAT_MS) well inside a 60 s load-balancer idle timeout; a peer that misses a
    // pong is gone. Each beat also re-checks session, signing key and token expiry: the backstop that
    // closes the socket within one heartbeat when the bus missed an end or the token ran out.
    // One timer for all sockets (heartbeat.ts), so the re-checks of one tick share one query.
    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    const leave = heartbeat.add({
      beat: () => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
        void connection
          .checkSession()
          .catch((error: unknown) => request.log.warn({ err: error }, 'session check failed'));
      },
    });
    socket.on('close', leave);
  });
};
