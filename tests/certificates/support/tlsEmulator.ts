// What the @pulumi/tls provider would return, for mocks: real keys and certificates made the way
// its Go code makes them (terraform-provider-tls internal/provider/common_cert.go), so a chain
// built from the program's tls inputs can be verified with openssl. Held to the provider's rules:
// - allowed_uses are snake_case names from its list; anything else fails, as validation would;
// - basicConstraints is always written, critical, CA per is_ca_certificate;
// - max_path_length > 0 is written; 0 is not (Go's MaxPathLenZero is never set);
// - keyUsage is critical; extKeyUsage is not;
// - subject key id when is_ca_certificate or set_subject_key_id; a locally signed certificate
//   gets the CA's subject key id as authority key id (Go's CreateCertificate does that);
// - RSA keys come back as PKCS#1 PEM, ECDSA as SEC1 PEM, both also as PKCS#8.
import { KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync } from "crypto";
import { issueCertificate, nameWithCommonName, subjectKeyIdOf } from "../../../components/certificates/issue";
import { KeyUsage, OID, parseCertificate, pemBlocks, toPem } from "../../../components/certificates/x509";
import { nodeWebCrypto, x509Library } from "../../../components/certificates/x509Library";

const KEY_USAGES: Record<string, KeyUsage> = {
  digital_signature: "digitalSignature",
  content_commitment: "nonRepudiation",
  key_encipherment: "keyEncipherment",
  data_encipherment: "dataEncipherment",
  key_agreement: "keyAgreement",
  cert_signing: "keyCertSign",
  crl_signing: "cRLSign",
  encipher_only: "encipherOnly",
  decipher_only: "decipherOnly",
};
const EXT_KEY_USAGES: Record<string, string> = {
  any_extended: "2.5.29.37.0",
  server_auth: OID.serverAuth,
  client_auth: OID.clientAuth,
  code_signing: "1.3.6.1.5.5.7.3.3",
  email_protection: "1.3.6.1.5.5.7.3.4",
  timestamping: "1.3.6.1.5.5.7.3.8",
  ocsp_signing: "1.3.6.1.5.5.7.3.9",
};

type Inputs = Record<string, any>;

export const TLS_TYPES = {
  privateKey: "tls:index/privateKey:PrivateKey",
  selfSignedCert: "tls:index/selfSignedCert:SelfSignedCert",
  certRequest: "tls:index/certRequest:CertRequest",
  locallySignedCert: "tls:index/locallySignedCert:LocallySignedCert",
} as const;

/** The provider's outputs for a tls resource, or undefined for other types. `now` is the provider's clock. */
export async function tlsState(type: string, inputs: Inputs, now: Date = new Date()): Promise<Inputs | undefined> {
  switch (type) {
    case TLS_TYPES.privateKey:
      return { ...inputs, ...privateKey(inputs) };
    case TLS_TYPES.selfSignedCert: {
      const key = createPrivateKey(inputs.privateKeyPem);
      const name = subjectName(inputs.subject);
      if (inputs.isCaCertificate && !inputs.subject?.commonName && !inputs.subject?.organization)
        throw new Error("Invalid Certificate Subject");
      const certPem = await issueCertificate(await template(inputs, name, createPublicKey(key), now), createPublicKey(key), {
        name,
        privateKey: key,
      });
      return { ...inputs, ...certificateOutputs(certPem, inputs) };
    }
    case TLS_TYPES.certRequest: {
      const key = createPrivateKey(inputs.privateKeyPem);
      return { ...inputs, certRequestPem: await certificationRequest(subjectName(inputs.subject), key) };
    }
    case TLS_TYPES.locallySignedCert: {
      const request = parseRequest(inputs.certRequestPem);
      const ca = parseCertificate(inputs.caCertPem);
      const t = { ...(await template(inputs, request.subjectName, request.publicKey, now)), authorityKeyId: ca.subjectKeyId };
      const certPem = await issueCertificate(t, request.publicKey, {
        name: ca.subjectName,
        privateKey: createPrivateKey(inputs.caPrivateKeyPem),
      });
      return { ...inputs, ...certificateOutputs(certPem, inputs) };
    }
    default:
      return undefined;
  }
}

function privateKey(inputs: Inputs): Inputs {
  const pair =
    inputs.algorithm === "RSA"
      ? generateKeyPairSync("rsa", { modulusLength: inputs.rsaBits ?? 2048 })
      : inputs.algorithm === "ECDSA"
        ? generateKeyPairSync("ec", {
            namedCurve: { P224: "P-224", P256: "P-256", P384: "P-384", P521: "P-521" }[(inputs.ecdsaCurve ?? "P224") as string]!,
          })
        : undefined;
  if (!pair) throw new Error(`tls emulator: algorithm ${inputs.algorithm} is not emulated`);
  const traditional = pair.privateKey.export({ type: inputs.algorithm === "RSA" ? "pkcs1" : "sec1", format: "pem" }) as string;
  return {
    privateKeyPem: traditional,
    privateKeyPemPkcs8: pair.privateKey.export({ type: "pkcs8", format: "pem" }),
    publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }),
  };
}

function subjectName(subject: Inputs | undefined): Buffer {
  return nameWithCommonName(subject?.commonName ?? "", subject?.organization);
}

async function template(inputs: Inputs, subject: Buffer, publicKey: KeyObject, now: Date) {
  const uses: string[] = inputs.allowedUses ?? [];
  const unknown = uses.filter((u) => !(u in KEY_USAGES) && !(u in EXT_KEY_USAGES));
  if (unknown.length > 0) throw new Error(`tls: allowed_uses value(s) ${unknown.join(", ")} are not one of the accepted values`);
  const ca = inputs.isCaCertificate === true;
  const maxPathLength = typeof inputs.maxPathLength === "number" && inputs.maxPathLength > 0 ? inputs.maxPathLength : undefined;
  return {
    subjectName: subject,
    notBefore: now,
    notAfter: new Date(now.getTime() + inputs.validityPeriodHours * 3_600_000),
    basicConstraints: { ca, pathLength: ca ? maxPathLength : undefined },
    keyUsage: uses.filter((u) => u in KEY_USAGES).map((u) => KEY_USAGES[u]),
    extendedKeyUsage: uses.filter((u) => u in EXT_KEY_USAGES).map((u) => EXT_KEY_USAGES[u]),
    subjectKeyId: ca || inputs.setSubjectKeyId ? await subjectKeyIdOf(publicKey) : undefined,
  };
}

function certificateOutputs(certPem: string, inputs: Inputs): Inputs {
  const info = parseCertificate(certPem);
  return {
    certPem,
    validityStartTime: info.notBefore.toISOString().replace(".000", ""),
    validityEndTime: info.notAfter.toISOString().replace(".000", ""),
    readyForRenewal: false,
    earlyRenewalHours: inputs.earlyRenewalHours ?? 0,
    isCaCertificate: inputs.isCaCertificate ?? false,
  };
}

/** PKCS#10 with no attributes, signed with SHA-256 (ECDSA P-256 or RSA keys, as the program makes them). */
async function certificationRequest(subject: Buffer, key: KeyObject): Promise<string> {
  const x509 = x509Library();
  const crypto = nodeWebCrypto();
  const rsa = key.asymmetricKeyType === "rsa";
  const algorithm = rsa ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const privateKey = await crypto.subtle.importKey("pkcs8", key.export({ type: "pkcs8", format: "der" }), algorithm, false, ["sign"]);
  const publicKey = await crypto.subtle.importKey("spki", createPublicKey(key).export({ type: "spki", format: "der" }), algorithm, true, [
    "verify",
  ]);
  const request = await x509.Pkcs10CertificateRequestGenerator.create(
    { name: new x509.Name(subject), keys: { privateKey, publicKey }, signingAlgorithm: algorithm },
    crypto,
  );
  return toPem("CERTIFICATE REQUEST", Buffer.from(request.rawData));
}

function parseRequest(pem: string): { subjectName: Buffer; publicKey: KeyObject } {
  const block = pemBlocks(pem).find((b) => b.type === "CERTIFICATE REQUEST");
  if (!block) throw new Error('Failed to decode PEM of expected type "CERTIFICATE REQUEST"');
  const request = new (x509Library().Pkcs10CertificateRequest)(block.der);
  return {
    subjectName: Buffer.from(request.subjectName.toArrayBuffer()),
    publicKey: createPublicKey({ key: Buffer.from(request.publicKey.rawData), format: "der", type: "spki" }),
  };
}
