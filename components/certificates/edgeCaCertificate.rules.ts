// When the device's edge CA certificate is due for renewal. Pure.

/** True once `now` is inside the renewal window before `validityEndTime`. Pure. */
export function dueForRenewal(validityEndTime: string, renewBeforeHours: number, now: Date): boolean {
  return new Date(validityEndTime).getTime() - renewBeforeHours * 3_600_000 <= now.getTime();
}
