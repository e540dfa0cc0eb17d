// The fleet's own certificate authority, made with @pulumi/tls: a root CA and, when a device asks
// for one, an intermediate CA under it. Devices' identity and edge CA certificates chain to it.
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export type KeyAlgorithm = "RSA" | "ECDSA";

/** A CA that signs: its certificate, its key (secret), and the certificates above it. */
export interface SigningCa {
  readonly certPem: pulumi.Output<string>;
  readonly keyPem: pulumi.Output<string>;
  /** Issuers of `certPem`, nearest first, ending with the root; empty for the root itself. */
  readonly chainPems: pulumi.Output<string[]>;
}

export interface FleetCaArgs {
  /** CN of the root; the intermediate's CN adds " Intermediate". */
  readonly commonName: string;
  readonly organization?: string;
  /** Default RSA 4096: a root lives for years and every device must be able to verify it. */
  readonly keyAlgorithm?: KeyAlgorithm;
  readonly rsaBits?: number;
  /** Default 3650 (root) and half of it (intermediate). */
  readonly validityDays?: number;
  /** Default 365: a renewed root re-signs every device, so it is renewed well ahead. */
  readonly renewBeforeDays?: number;
  readonly intermediate: boolean;
  /** A fleet-core stack's sites (edge:core.sites): each gets an intermediate CA of its own, CN "<commonName> Site <site>". */
  readonly sites?: readonly string[];
}

/** What signs a device's generated certificates: the root, and the intermediate when a device asks for it. */
export interface FleetSigners {
  readonly root: SigningCa;
  readonly intermediate?: SigningCa;
}

export const HOURS_PER_DAY = 24;
// CA certificates sign; they never authenticate themselves.
const CA_USES = ["cert_signing", "crl_signing", "digital_signature"];

export class FleetCertificateAuthority extends pulumi.ComponentResource implements FleetSigners {
  readonly root: SigningCa;
  readonly intermediate?: SigningCa;
  /** Per site of a fleet-core stack, its intermediate CA (FleetCaArgs.sites). */
  readonly sites: Record<string, SigningCa> = {};

  constructor(name: string, args: FleetCaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:certificates:FleetCertificateAuthority", name, {}, opts);
    const validityDays = args.validityDays ?? 3650;
    const renewBeforeDays = args.renewBeforeDays ?? 365;
    const subject = (commonName: string) => ({ commonName, organization: args.organization });

    const rootKey = new tls.PrivateKey(`${name}-root-key`, privateKeyArgs(args.keyAlgorithm ?? "RSA", args.rsaBits ?? 4096), {
      parent: this,
    });
    const rootCert = new tls.SelfSignedCert(
      `${name}-root-cert`,
      {
        privateKeyPem: rootKey.privateKeyPem,
        subject: subject(args.commonName),
        isCaCertificate: true,
        setSubjectKeyId: true,
        allowedUses: CA_USES,
        validityPeriodHours: validityDays * HOURS_PER_DAY,
        earlyRenewalHours: renewBeforeDays * HOURS_PER_DAY,
      },
      { parent: this },
    );
    this.root = {
      certPem: rootCert.certPem,
      keyPem: pulumi.secret(rootKey.privateKeyPem),
      chainPems: pulumi.output([]),
    };

    // Each signs device edge CAs, themselves CAs, for half the root's lifetime.
    const intermediateCa = (prefix: string, commonName: string): SigningCa => {
      const key = new tls.PrivateKey(`${prefix}-key`, privateKeyArgs(args.keyAlgorithm ?? "RSA", args.rsaBits ?? 4096), {
        parent: this,
      });
      const request = new tls.CertRequest(
        `${prefix}-csr`,
        { privateKeyPem: key.privateKeyPem, subject: subject(commonName) },
        { parent: this },
      );
      const cert = new tls.LocallySignedCert(
        `${prefix}-cert`,
        {
          certRequestPem: request.certRequestPem,
          caCertPem: rootCert.certPem,
          caPrivateKeyPem: rootKey.privateKeyPem,
          isCaCertificate: true,
          setSubjectKeyId: true,
          // It signs each device's edge CA, itself a CA: one CA may follow it.
          maxPathLength: 1,
          allowedUses: CA_USES,
          validityPeriodHours: Math.floor(validityDays / 2) * HOURS_PER_DAY,
          earlyRenewalHours: Math.floor(renewBeforeDays / 2) * HOURS_PER_DAY,
        },
        { parent: this },
      );
      return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem), chainPems: pulumi.output([rootCert.certPem]) };
    };
    if (args.intermediate) this.intermediate = intermediateCa(`${name}-intermediate`, `${args.commonName} Intermediate`);
    for (const site of args.sites ?? []) this.sites[site] = intermediateCa(`${name}-site-${site}`, `${args.commonName} Site ${site}`);
    this.registerOutputs({ rootCertPem: rootCert.certPem, intermediateCertPem: this.intermediate?.certPem });
  }
}

/** @pulumi/tls arguments for a key: RSA of `rsaBits`, or ECDSA on P-256. */
export function privateKeyArgs(algorithm: KeyAlgorithm, rsaBits: number): tls.PrivateKeyArgs {
  return algorithm === "ECDSA" ? { algorithm: "ECDSA", ecdsaCurve: "P256" } : { algorithm: "RSA", rsaBits };
}
