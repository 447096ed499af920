// pino JSON logs. Secrets are redacted by key (paths below) and by value (every secret the config
// references is registered when read), so a secret echoed in an error message is hidden too.
import { pino, type Logger } from 'pino';
import { redact } from '../config/secrets.ts';

const SECRET_KEYS = ['password', 'secret', 'token', 'authorization', 'proxy-authorization', 'credential', 'credentials'];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const paths = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers["${k}"]`]);
  return pino(
    {
      level: options.level ?? process.env.VIGIE_LOG_LEVEL ?? 'info',
      base: { app: 'vigie' },
      redact: { paths, censor: '[REDACTED]' },
      hooks: {
        // Value-based redaction: covers secrets that end up inside messages or unknown keys.
        streamWrite: (line) => redact(line),
      },
    },
    options.destination ?? pino.destination({ dest: 2, sync: false }),
  );
}
