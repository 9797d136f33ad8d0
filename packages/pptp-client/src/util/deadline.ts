/** The earliest of several deadlines, any of which may be unset: how a state machine merges its children's timers. */
export function earliestDeadline(...deadlines: readonly (number | undefined)[]): number | undefined {
  let earliest: number | undefined;
  for (const t of deadlines) if (t !== undefined && (earliest === undefined || t < earliest)) earliest = t;
  return earliest;
}
