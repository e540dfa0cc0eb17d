// One device's certificates: its identity certificate and key, its edge CA, the trust bundle, the
// thumbprints the hub identity takes, and the Key Vault copy of a generated identity.
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { edgeCaCommonName, keyVaultCertificateName } from "./certificateNaming";
import { CertificateSource } from "./certificateSources";
import { EdgeCaCertificate } from "./edgeCaCertificate";
import { type FleetSigners, HOURS_PER_DAY, SigningCa, privateKeyArgs } from "./fleetCa";
import { DEVICE_TAG, KeyVaultCertificate } from "./keyVaultCertificate";
import { Thumbprints, thumbprintsOf } from "./thumbprint";
import { ThumbprintSlots } from "./thumbprintSlots";
import { certificatePems, pemBlocks, toPem } from "./x509";

export interface KeyVaultBinding {
  readonly vaultUrl: string;
  readonly purgeOnDelete: boolean;
  /** Default `keyVaultCertificateName(deviceId)`. */
  readonly certificateName?: string;
  readonly tags?: Record<string, string>;
}

export interface DeviceCertificatesArgs {
  readonly deviceId: string;
  readonly source: CertificateSource;
  /** Signs generated certificates; required for "generate" and for "keyVault" without an edge CA in the vault. */
  readonly fleetCa?: FleetSigners;
  /** Where generated identities are imported; absent: no import. */
  readonly keyVault?: KeyVaultBinding;
}

/** A certificate and its key; `certPem` is the full chain, leaf first (IoT Edge wants it so). */
export interface CertificateAndKey {
  readonly certPem: pulumi.Output<string>;
  readonly keyPem: pulumi.Output<string>;
}

export class DeviceCertificates extends pulumi.ComponentResource {
  readonly authentication: "selfSigned" | "certificateAuthority";
  readonly identity: CertificateAndKey;
  readonly edgeCa: CertificateAndKey;
  /** The root of the edge CA's chain: config.toml's trust bundle. */
  readonly trustBundlePem: pulumi.Output<string>;
  /** Of the identity (leaf) certificate this run installs. */
  readonly thumbprints: pulumi.Output<Thumbprints>;
  /** SHA-256 thumbprints for the hub identity's two slots; undefined with certificateAuthority authentication. */
  readonly hubThumbprints?: pulumi.Output<{ primary: string; secondary: string }>;
  readonly keyVaultCertificateId?: pulumi.Output<string>;

  constructor(name: string, args: DeviceCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("edge:certificates:DeviceCertificates", name, {}, opts);
    const { deviceId, source } = args;
    this.authentication = source.settings.authentication;
    const parent = { parent: this };
    const needFleetCa = (why: string) => {
      if (!args.fleetCa) throw new Error(`device "${deviceId}": ${why} needs the fleet CA`);
      return args.fleetCa;
    };

    let signer: SigningCa | undefined;
    if (source.kind === "generate") {
      const fleetCa = needFleetCa("a generated certificate");
      signer = source.settings.intermediate ? fleetCa.intermediate : fleetCa.root;
      if (!signer) throw new Error(`device "${deviceId}": the fleet CA was made without the intermediate this device asks for`);
    } else if (source.kind === "keyVaultCa") {
      const { ca } = source;
      signer = {
        certPem: pulumi.output(ca.certificatePem),
        keyPem: pulumi.secret(ca.privateKeyPem),
        chainPems: pulumi.output([...ca.chainPems]),
      };
    }

    if (source.kind === "keyVault") {
      const { identity } = source;
      this.identity = {
        certPem: pulumi.output(joinPems([identity.certificatePem, ...identity.chainPems])),
        keyPem: pulumi.secret(identity.privateKeyPem),
      };
    } else {
      const s = source.settings;
      const key = new tls.PrivateKey(`${name}-identity-key`, privateKeyArgs(s.keyAlgorithm, s.rsaBits), parent);
      const request = new tls.CertRequest(
        `${name}-identity-csr`,
        { privateKeyPem: key.privateKeyPem, subject: { commonName: deviceId } },
        parent,
      );
      const cert = new tls.LocallySignedCert(
        `${name}-identity-cert`,
        {
          certRequestPem: request.certRequestPem,
          caCertPem: signer!.certPem,
          caPrivateKeyPem: signer!.keyPem,
          // A TLS client certificate; key encipherment only means something for RSA keys.
          allowedUses: ["digital_signature", ...(s.keyAlgorithm === "RSA" ? ["key_encipherment"] : []), "client_auth"],
          validityPeriodHours: s.validityDays * HOURS_PER_DAY,
          earlyRenewalHours: s.renewBeforeDays * HOURS_PER_DAY,
        },
        parent,
      );
      this.identity = {
        certPem: pulumi
          .all([cert.certPem, signer!.certPem, signer!.chainPems])
          .apply(([leaf, ca, chain]) => joinPems([leaf, ca, ...chain])),
        keyPem: pulumi.secret(key.privateKeyPem),
      };

      if (args.keyVault) {
        const kv = args.keyVault;
        const imported = new KeyVaultCertificate(
          `${name}-keyvault-cert`,
          {
            vaultUrl: kv.vaultUrl,
            certificateName: kv.certificateName ?? keyVaultCertificateName(deviceId),
            // Key Vault reads the key, then the certificate and its chain, from one PEM text.
            pem: pulumi.secret(pulumi.all([key.privateKeyPemPkcs8, this.identity.certPem]).apply(([k, c]) => joinPems([k, c]))),
            thumbprint: cert.certPem.apply((pem) => thumbprintsOf(pem).sha1),
            tags: { ...kv.tags, [DEVICE_TAG]: deviceId },
            purgeOnDelete: kv.purgeOnDelete,
          },
          parent,
        );
        this.keyVaultCertificateId = imported.certificateId;
      }
    }

    this.edgeCa = this.makeEdgeCa(name, args, signer);
    // What modules and downstream devices must trust is the root of the edge CA's chain (for a
    // Key Vault identity it can differ from the identity's root, which only IoT Hub checks).
    this.trustBundlePem = this.edgeCa.certPem.apply((pem) => certificatePems(pem).at(-1) ?? pem);
    this.thumbprints = this.identity.certPem.apply((pem) => thumbprintsOf(pem));
    if (this.authentication === "selfSigned") {
      const slots = new ThumbprintSlots(`${name}-thumbprints`, { current: this.thumbprints.apply((t) => t.sha256) }, parent);
      this.hubThumbprints = pulumi.all([slots.primary, slots.secondary]).apply(([primary, secondary]) => ({ primary, secondary }));
    }

    // No outputs: the program reads the properties above, and the state would keep the certificates
    // a second time (the keys as ciphertext); the stack output `devices` has the thumbprints.
    this.registerOutputs({});
  }

  /** How the hub identity authenticates the device (HubAuthentication): thumbprint slots, or its CA. */
  hubAuthentication() {
    return {
      type: this.authentication,
      primaryThumbprint: this.hubThumbprints?.apply((t) => t.primary),
      secondaryThumbprint: this.hubThumbprints?.apply((t) => t.secondary),
    };
  }

  /** An edge CA from Key Vault as it is; otherwise a generated key and a pathlen:0 CA certificate. */
  private makeEdgeCa(name: string, args: DeviceCertificatesArgs, signer: SigningCa | undefined): CertificateAndKey {
    const { source, deviceId } = args;
    if (source.kind === "keyVault" && source.edgeCa) {
      const { edgeCa } = source;
      return {
        certPem: pulumi.output(joinPems([edgeCa.certificatePem, ...edgeCa.chainPems])),
        keyPem: pulumi.secret(edgeCa.privateKeyPem),
      };
    }
    // A Key Vault identity without an edge CA in the vault gets one under the fleet root.
    const issuer = signer ?? args.fleetCa?.root;
    if (!issuer) throw new Error(`device "${deviceId}": a generated edge CA needs the fleet CA`);
    const lifetime =
      source.kind === "keyVault"
        ? { algorithm: "RSA" as const, rsaBits: 2048, validityDays: 365, renewBeforeDays: source.settings.renewBeforeDays }
        : { algorithm: source.settings.keyAlgorithm, ...source.settings };
    const key = new tls.PrivateKey(`${name}-edge-ca-key`, privateKeyArgs(lifetime.algorithm, lifetime.rsaBits), { parent: this });
    const cert = new EdgeCaCertificate(
      `${name}-edge-ca-cert`,
      {
        commonName: edgeCaCommonName(deviceId),
        publicKeyPem: key.publicKeyPem,
        issuerCertPem: issuer.certPem,
        issuerKeyPem: issuer.keyPem,
        validityHours: lifetime.validityDays * HOURS_PER_DAY,
        renewBeforeHours: lifetime.renewBeforeDays * HOURS_PER_DAY,
      },
      { parent: this },
    );
    return {
      certPem: pulumi.all([cert.certPem, issuer.certPem, issuer.chainPems]).apply(([edge, ca, chain]) => joinPems([edge, ca, ...chain])),
      keyPem: pulumi.secret(key.privateKeyPem),
    };
  }
}

/** The PEM blocks of several texts, in order, each once, without blank padding. */
export function joinPems(pems: readonly string[]): string {
  const blocks = pems.flatMap((pem) => pemBlocks(pem).map((b) => toPem(b.type, b.der)));
  return [...new Set(blocks)].join("");
}
