// The two thumbprint slots of a self-signed (thumbprint) hub identity, and how a renewed
// certificate moves through them: into the secondary slot first, so the hub accepts both the
// certificate the device still presents and the one it is about to get; into the primary slot on
// a later run, once the device has the new one. A device never loses its identity mid-rotation.
// Pure.

export interface Slots {
  readonly primary: string;
  readonly secondary: string;
}

/** The slots for a device's first certificate: both slots hold it. */
export function initialSlots(current: string): Slots {
  return { primary: current, secondary: current };
}

/**
 * The slots after a run whose identity certificate has thumbprint `current`. Pure.
 * - unchanged: nothing moves;
 * - a renewed certificate: staged in the secondary slot, the primary keeps what the device has;
 * - staged earlier and `promote`: it becomes primary (both slots), the old certificate is dropped;
 * - renewed again while one is staged: the staged one (installed by the run that staged it)
 *   becomes primary and the newest is staged.
 */
export function nextSlots(previous: Slots, current: string, promote: boolean): Slots {
  if (previous.primary === current && previous.secondary === current) return previous;
  if (previous.secondary === current) return promote ? initialSlots(current) : previous;
  if (previous.primary === current) return initialSlots(current);
  const inUse = previous.secondary !== previous.primary ? previous.secondary : previous.primary;
  return { primary: inUse, secondary: current };
}
