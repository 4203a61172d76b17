import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs (pino). Secrets never reach the log: known secret-bearing fields are
 * redacted wherever they appear, and tokens are never interpolated into messages.
 */
export function createLogger(level: string = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'earshot' },
      redact: {
        paths: [
          'token', '*.token', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization',
          'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'X_BEARER_TOKEN', 'X_API_SECRET', 'X_ACCESS_SECRET',
          'X_ACCESS_TOKEN', 'X_API_KEY', 'MICROSOFT_APP_PASSWORD', '*.password', 'password', 'env', 'config.env',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that writes nothing, for tests that do not read logs. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
