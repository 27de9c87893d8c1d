// Structured one-line JSON logs. Callers pass ids and counts, never personal data. Errors are
// passed as they are (`{ error: err }`) and written by describeError, which keeps what a query
// carried (its parameters, the values PostgreSQL echoes back) out of every line.
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: Level = (process.env.LOG_LEVEL as Level) in ORDER ? (process.env.LOG_LEVEL as Level) : 'info';

// PostgreSQL error fields that name things in the schema, never values (postgres.js spells them so).
const DB_ERROR_NAMES = [
  'code',
  'severity',
  'routine',
  'schema_name',
  'table_name',
  'column_name',
  'constraint_name',
  'data_type_name',
] as const;

const isDatabaseError = (e: object): boolean =>
  e.constructor?.name === 'PostgresError' || e.constructor?.name === 'DrizzleQueryError' || 'severity_local' in e || 'query' in e;

/** The stack's frames, without the message it begins with. */
function frames(e: Error): string | undefined {
  if (!e.stack) return undefined;
  const at = e.stack.indexOf(e.message);
  const rest = at === -1 ? e.stack : e.stack.slice(at + e.message.length);
  return (
    rest
      .split('\n')
      .filter((l) => /^\s+at /.test(l))
      .join('\n') || undefined
  );
}

/**
 * What a log line may say about an error. A database error (drizzle's "Failed query … params: …",
 * postgres.js's error with its query, parameters, detail and a message that can quote a value) is
 * reduced to its class, SQLSTATE and the names of what it concerns; its cause chain likewise.
 */
export function describeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error) && (typeof err !== 'object' || err === null)) return redactQueries(String(err));
  const e = err as Error & Record<string, unknown>;
  const cause = depth < 4 && e.cause !== undefined ? { cause: describeError(e.cause, depth + 1) } : {};
  if (isDatabaseError(e)) {
    const names = Object.fromEntries(DB_ERROR_NAMES.filter((k) => typeof e[k] === 'string').map((k) => [k, e[k]]));
    return { name: e.constructor?.name ?? 'Error', ...names, ...(err instanceof Error ? { frames: frames(err) } : {}), ...cause };
  }
  return {
    name: e.name,
    message: redactQueries(String(e.message)),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(err instanceof Error ? { frames: frames(err) } : {}),
    ...cause,
  };
}

/**
 * A net for errors already turned into text by a caller (`err.message`, `err.stack`, `String(err)`):
 * everything from a drizzle "params:" list on is dropped, as the list may span lines.
 */
export function redactQueries(text: string): string {
  const at = text.search(/\nparams: /);
  return at === -1 ? text : `${text.slice(0, at)}\nparams: [not logged]`;
}

function field(value: unknown): unknown {
  if (value instanceof Error) return describeError(value);
  if (typeof value === 'string') return redactQueries(value);
  return value;
}

function write(level: Level, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const safe = fields ? Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, field(v)])) : {};
  const line = JSON.stringify({ t: new Date().toISOString(), level, msg: redactQueries(msg), ...safe });
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n');
}

export const log = {
  setLevel: (level: Level) => {
    threshold = level;
  },
  enabled: (level: Level) => ORDER[level] >= ORDER[threshold],
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
};
