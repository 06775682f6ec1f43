/**
 * Foglet stamps its lines with the time of day only; the monitor dates them by its
 * clock. A test line stamped with a fixed hour would be hours old (its rule's quiet_for
 * long over) or in the future, depending on when the suite runs: stamp it now.
 */
export function logTime(at = new Date()): string {
  return at.toISOString().slice(11, 23);
}
