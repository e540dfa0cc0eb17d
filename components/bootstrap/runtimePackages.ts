// Which aziot-identity-service a pinned aziot-edge needs. Pure.
// aziot-edge depends on exactly one aziot-identity-service version, which does not follow its own
// (Azure/iotedge edgelet/contrib/debian/control at each tag: 1.6.0 and 1.6.1 both need 1.6.0-1).

/** aziot-edge version → the aziot-identity-service version its package depends on. */
export const IDENTITY_SERVICE_FOR_EDGE: Readonly<Record<string, string>> = {
  "1.6.0-1": "1.6.0-1",
  "1.6.1-1": "1.6.0-1",
};

/** The identity service to install with `aziotEdgeVersion`: the setting, else the known pair, else undefined. */
export function identityServiceVersionFor(runtime: { aziotEdgeVersion: string; aziotIdentityServiceVersion?: string }): string | undefined {
  return runtime.aziotIdentityServiceVersion ?? IDENTITY_SERVICE_FOR_EDGE[runtime.aziotEdgeVersion];
}

/** Why an aziot-edge version without a known identity service needs runtime.aziotIdentityServiceVersion. */
export function identityServiceRequired(aziotEdgeVersion: string): string {
  return (
    `is required with aziotEdgeVersion ${aziotEdgeVersion}: aziot-edge depends on one exact ` +
    `aziot-identity-service version (see \`apt-cache show aziot-edge=${aziotEdgeVersion}\`, Depends)`
  );
}
