// Certificates for test devices, made with openssl: an identity certificate whose CN is the device
// id, an edge CA (CA:TRUE, pathlen:0, keyCertSign) with its own CN, and a trust bundle.
// EC P-256 keys: quick to make, accepted by aziot.
import type { DeviceCertificates } from "../../components/bootstrap/deviceCommands";
import { LEAF_EXT, type Pair, selfSigned, signedBy } from "../certificates/openssl";

/** A test root CA's extensions. */
const ROOT_EXT = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,digitalSignature,keyCertSign"];
/** An edge CA's, or an intermediate's: it signs leaves only. */
const ISSUING_CA_EXT = ["basicConstraints=critical,CA:TRUE,pathlen:0", "keyUsage=critical,digitalSignature,keyCertSign"];

export function makeDeviceCertificates(deviceId: string): Required<DeviceCertificates> {
  const identity = selfSigned({ cn: deviceId, ext: LEAF_EXT });
  const edgeCa = selfSigned({ cn: `${deviceId} edge CA`, ext: ISSUING_CA_EXT });
  return {
    identityCertPem: identity.certPem,
    identityKeyPem: identity.keyPem,
    edgeCaCertPem: edgeCa.certPem,
    edgeCaKeyPem: edgeCa.keyPem,
    trustBundlePem: edgeCa.certPem,
  };
}

/** A root CA (CN = `name`) to sign devices with, e.g. a fleet's CA for a DPS enrollment group. */
export function makeTestCa(name: string): Pair {
  return selfSigned({ cn: name, ext: ROOT_EXT });
}

export interface CaSignedDevice {
  /** The CA to register on the hub (the root, or the intermediate when `intermediate`). */
  readonly rootCertPem: string;
  readonly rootKeyPem: string;
  readonly intermediateCertPem?: string;
  /** Leaf (CN = device id) followed by the intermediate, if any: the chain the device sends. */
  readonly identityCertPem: string;
  readonly identityKeyPem: string;
}

/**
 * A test CA (optionally with an intermediate) and a device identity certificate it signs, for
 * certificateAuthority authentication. With `ca`, that CA signs (a fleet CA shared by devices).
 */
export function makeCaSignedDevice(deviceId: string, options: { intermediate?: boolean; caName?: string; ca?: Pair } = {}): CaSignedDevice {
  const root = options.ca ?? selfSigned({ cn: options.caName ?? `${deviceId} test root CA`, ext: ROOT_EXT });
  const intermediate = options.intermediate
    ? signedBy(root, { cn: `${options.caName ?? deviceId} test intermediate CA`, ext: ISSUING_CA_EXT })
    : undefined;
  const identity = signedBy(intermediate ?? root, { cn: deviceId, ext: LEAF_EXT });
  return {
    rootCertPem: root.certPem,
    rootKeyPem: root.keyPem,
    intermediateCertPem: intermediate?.certPem,
    identityCertPem: identity.certPem + (intermediate?.certPem ?? ""),
    identityKeyPem: identity.keyPem,
  };
}
