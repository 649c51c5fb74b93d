import pino, { type DestinationStream, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type { Logger };

/**
 * JSON logs. The relay never logs request bodies or headers; the redaction list is a second line of defence
 * for any object that reaches a log call with a secret inside.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'guardmail-relay' },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'password',
          '*.password',
          'clientSecret',
          '*.clientSecret',
          'clientPrivateKey',
          '*.clientPrivateKey',
          'proxyPassword',
          '*.proxyPassword',
          'pass',
          '*.pass',
          'accessToken',
          '*.accessToken',
          'refreshToken',
          '*.refreshToken',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
