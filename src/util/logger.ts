import pino, { type Logger } from 'pino';
import { maskPersonalData, NO_PUBLIC_NUMBERS } from '../screening/mask-personal-data.js';

export type { Logger };

const mask = (text: string): string => maskPersonalData(text, NO_PUBLIC_NUMBERS);

/**
 * Every string a log line carries, at any level and at any depth, goes through the masking
 * gate: log lines quote posts, authors and errors that quote them, and logs are kept and
 * shipped where the channels' access rules do not reach. An error becomes a plain Error of
 * the same name with message, stack, own fields and cause masked (a copy that kept the
 * original's prototype would break platform errors such as DOMException, whose getters
 * need their internal slots). Masking never makes logging throw: a value it cannot read is
 * left out.
 */
function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return mask(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  if (value instanceof Error) return maskError(value, depth);
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

function read(value: object, key: string): unknown {
  try { return (value as Record<string, unknown>)[key]; } catch { return undefined; }
}

function maskError(value: Error, depth: number): Error {
  const message = read(value, 'message');
  const copy = new Error(typeof message === 'string' ? mask(message) : '') as Error & Record<string, unknown>;
  const name = read(value, 'name');
  Object.defineProperty(copy, 'name', { value: typeof name === 'string' ? name : 'Error', enumerable: false });
  const stack = read(value, 'stack');
  copy.stack = typeof stack === 'string' ? mask(stack) : '';
  for (const key of Object.keys(value)) {
    if (key === 'message' || key === 'stack' || key === 'name') continue;
    copy[key] = maskDeep(read(value, key), depth + 1);
  }
  const cause = read(value, 'cause');
  if (cause !== undefined) copy.cause = maskDeep(cause, depth + 1);
  return copy;
}

/**
 * Structured logs (pino). Secrets never reach the log: known secret-bearing fields are
 * redacted wherever they appear, and tokens are never interpolated into messages. Personal
 * data never reaches it either: every string passes the masking gate (see {@link maskDeep}).
 */
export function createLogger(level: string = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'earshot' },
      formatters: {
        log: (obj) => {
          try { return maskDeep(obj) as Record<string, unknown>; } catch { return { masking: 'failed; fields left out' }; }
        },
      },
      hooks: {
        logMethod(args, method) {
          // The message and its format arguments (the object, if any, is the formatter's).
          const masked = args.map((a, i) => (typeof a === 'string' ? mask(a) : i === 0 ? a : maskDeep(a))) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
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
