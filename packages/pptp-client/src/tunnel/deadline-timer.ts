/**
 * The one timer a sans-IO machine needs: it follows the machine's next deadline, and is re-armed only when that
 * deadline moves (most wake-ups leave it where it was).
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  private at: number | undefined;

  constructor(
    private readonly fire: () => void,
    private readonly clock: () => number,
  ) {}

  /** Arms the timer for `at` (a time on `clock`), or disarms it for undefined. */
  set(at: number | undefined): void {
    if (at === this.at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.at = at;
    this.timer =
      at === undefined
        ? undefined
        : setTimeout(
            () => {
              this.at = undefined;
              this.timer = undefined;
              this.fire();
            },
            Math.max(0, at - this.clock()),
          );
  }
}
