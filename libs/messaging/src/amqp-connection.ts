import { connect, type AmqpConnectionManager } from 'amqp-connection-manager';

export interface StateLogger {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * Opens a self-healing RabbitMQ connection (amqp-connection-manager reconnects and re-runs every
 * channel's setup, so topology and consumers come back by themselves after an outage).
 * It logs one line per state change — connected, lost, unreachable — not one per retry.
 */
export function connectAmqp(url: string, name: string, logger: StateLogger): AmqpConnectionManager {
  const connection = connect([url], {
    heartbeatIntervalInSeconds: 5,
    reconnectTimeInSeconds: 2,
    connectionOptions: { clientProperties: { connection_name: name } },
  });
  let state: 'starting' | 'up' | 'down' = 'starting';
  connection.on('connect', () => {
    logger.log(state === 'down' ? 'RabbitMQ connection restored' : 'RabbitMQ connected');
    state = 'up';
  });
  connection.on('disconnect', ({ err }: { err?: Error }) => {
    if (state !== 'down') logger.warn(`RabbitMQ connection lost (${err?.message ?? 'closed'}); reconnecting`);
    state = 'down';
  });
  connection.on('connectFailed', ({ err }: { err?: Error }) => {
    if (state !== 'down') logger.warn(`RabbitMQ unreachable (${err?.message ?? 'unknown error'}); retrying every 2s`);
    state = 'down';
  });
  connection.on('blocked', ({ reason }: { reason: string }) => logger.warn(`RabbitMQ blocked publishing: ${reason}`));
  connection.on('unblocked', () => logger.log('RabbitMQ unblocked publishing'));
  return connection;
}
