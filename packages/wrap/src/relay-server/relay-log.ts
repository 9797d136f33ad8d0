/**
 * The relay's log: one line per event on stderr, `<time> <event> key=value ...`. Callers pass only what is safe to
 * keep (addresses, session IDs, error codes): never a token.
 */

export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;
export type RelayLog = (event: string, fields?: LogFields) => void;

export function relayLog(write: (line: string) => void, clock: () => Date = () => new Date()): RelayLog {
  return (event, fields = {}) => {
    const parts = [clock().toISOString(), event];
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      const text = String(value);
      parts.push(`${key}=${/^[\w.:\-/[\]]*$/.test(text) && text !== "" ? text : JSON.stringify(text)}`);
    }
    write(parts.join(" "));
  };
}

export const stderrLog: RelayLog = relayLog((line) => process.stderr.write(`${line}\n`));
