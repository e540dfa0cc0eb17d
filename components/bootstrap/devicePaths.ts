// Where the bootstrap puts things on the device. The device scripts define the same paths
// (scripts/device/common.sh); tests/bootstrap checks that the two agree.

export const CONFIG_PATH = "/etc/aziot/config.toml";
export const CERT_DIR = "/var/aziot/certs";
export const KEY_DIR = "/var/aziot/secrets";
export const STATE_DIR = "/var/lib/edge-bootstrap";

/** The files of the certificate payload, by the name the device script knows them under. */
export const DEVICE_FILES = {
  "identity-cert": { path: `${CERT_DIR}/device-identity.cert.pem`, owner: "aziotcs:aziotcs", mode: "644" },
  "identity-key": { path: `${KEY_DIR}/device-identity.key.pem`, owner: "aziotks:aziotks", mode: "600" },
  "edge-ca-cert": { path: `${CERT_DIR}/edge-ca.cert.pem`, owner: "aziotcs:aziotcs", mode: "644" },
  "edge-ca-key": { path: `${KEY_DIR}/edge-ca.key.pem`, owner: "aziotks:aziotks", mode: "600" },
  "trust-bundle": { path: `${CERT_DIR}/trust-bundle.cert.pem`, owner: "aziotcs:aziotcs", mode: "644" },
} as const;

export type DeviceFileName = keyof typeof DEVICE_FILES;

/** `file://` URI of a device path, as config.toml wants it. */
export const fileUri = (path: string): string => `file://${path}`;
