/** The last lines the service logged about the tunnel, for the GUI's log view (and new subscribers). */

export interface LogLine {
  /** Wall-clock milliseconds. */
  readonly at: number;
  readonly line: string;
}

export const LOG_RING_SIZE = 500;

export class LogRing {
  private readonly lines: LogLine[] = [];

  constructor(private readonly size: number = LOG_RING_SIZE) {}

  push(line: LogLine): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }

  /** Oldest first. */
  all(): readonly LogLine[] {
    return [...this.lines];
  }
}
