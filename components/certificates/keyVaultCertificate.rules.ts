// Which device (of which stack) a Key Vault certificate belongs to.

/** The tags that record which device (of which stack) a certificate belongs to; create refuses to take over others. */
export const DEVICE_TAG = "edge-device";
export const STACK_TAG = "edge-stack";
