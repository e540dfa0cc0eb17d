// The state behind the Device Provisioning Service stand-in: X.509 enrollment groups with etags,
// CA certificates on the service, and device registrations that end in an identity on a linked
// IoT Hub stand-in. Pure data and rules; the HTTPS layer in dpsStandin.ts maps it onto the REST API
// (service api-version 2021-10-01, device registration 2019-03-31/2021-06-01).
import { randomBytes, randomUUID, X509Certificate } from "node:crypto";
import { isJson, type RegistryModel } from "./iotHubModel";

type Json = Record<string, unknown>;

/** An error DPS answers with: HTTP status and its numeric error code (`{"errorCode":401002,...}`). */
export class DpsError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

interface GroupRecord {
  body: Json;
  etagCounter: number;
  /** The group's trust anchor: the signing certificate, or the referenced CA certificate's name. */
  signing?: X509Certificate;
  caReference?: string;
}

export interface Registration {
  readonly registrationId: string;
  readonly enrollmentGroupId: string;
  readonly assignedHub: string;
  readonly createdDateTimeUtc: string;
}

interface Operation {
  readonly registrationId: string;
  pollsBeforeAssigned: number;
  result?: Json;
  failure?: DpsError;
}

// Enrollment group ids: "alphanumeric, lowercase, and may contain hyphens" (azure-iot-provisioning-service
// interfaces.d.ts, EnrollmentGroup.enrollmentGroupId).
const GROUP_ID = /^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?$/;
// Registration ids: up to 128 of alphanumerics and `: . _ -`, none of those at either end
// (learn.microsoft.com REST "Runtime Registration - Register Device", DeviceRegistration.registrationId).
const REGISTRATION_ID = /^[A-Za-z0-9]([A-Za-z0-9:._-]{0,126}[A-Za-z0-9])?$/;
// learn.microsoft.com REST "Enrollment Group - Create Or Update" (2021-10-01), allocationPolicy enum.
const ALLOCATION_POLICIES = ["hashed", "geoLatency", "static", "custom"];

export class ProvisioningModel {
  readonly groups = new Map<string, GroupRecord>();
  /** CA certificates on the service (control plane: Microsoft.Devices/provisioningServices/certificates). */
  readonly certificates = new Map<string, { pem: string; isVerified: boolean }>();
  readonly registrations = new Map<string, Registration>();
  readonly operations = new Map<string, Operation>();
  /** Refused registrations, newest last: registration id and why (the device only sees 401002). */
  readonly refused: { registrationId: string; reason: string }[] = [];

  /**
   * @param idScope the scope devices put in their registration path
   * @param linkedHubs the IoT hubs linked to this DPS, by host name (their registry models)
   * @param pollsBeforeAssigned how many status polls answer `assigning` before `assigned`
   */
  constructor(
    readonly idScope: string,
    readonly linkedHubs: Map<string, RegistryModel>,
    private readonly pollsBeforeAssigned = 1,
  ) {}

  /**
   * Registers a CA certificate on the service, as an operator does with `az iot dps certificate create
   * --verified`. Only a verified CA can be the CA reference of a group (learn.microsoft.com, "How to
   * verify X.509 CA certificates with your Device Provisioning Service").
   */
  registerCertificate(name: string, pem: string, isVerified: boolean): void {
    parseCertificate(pem, `certificate ${name}`);
    this.certificates.set(name, { pem, isVerified });
  }

  getGroup(id: string): Json {
    return this.record(id).body;
  }

  /**
   * PUT /enrollmentGroups/{id}: without If-Match it creates, and an existing group is a 409
   * (azure-iot-sdk-csharp #3076, azure-sdk-for-python #35187); with If-Match "*" or the current etag
   * it replaces the group whole; another etag is 412 (troubleshoot page: "ETag ... doesn't match").
   */
  putGroup(id: string, body: Json, ifMatch: string | undefined): Json {
    if (!GROUP_ID.test(id))
      throw new DpsError(400, 400, `Enrollment group id '${id}' is invalid: lowercase letters, digits and inner hyphens only`);
    if (body.enrollmentGroupId !== id)
      throw new DpsError(400, 400, `enrollmentGroupId in the body (${String(body.enrollmentGroupId)}) does not match the URI (${id})`);
    const existing = this.groups.get(id);
    if (ifMatch === undefined && existing) throw new DpsError(409, 409, `Enrollment group '${id}' already exists`);
    if (ifMatch !== undefined && !existing) throw new DpsError(404, 404, `Enrollment group '${id}' not found`);
    if (existing && ifMatch !== undefined) checkEtag(existing, ifMatch);
    const anchor = this.attestationOf(body.attestation);
    const now = new Date().toISOString();
    const record: GroupRecord = {
      ...anchor,
      etagCounter: (existing?.etagCounter ?? 0) + 1,
      body: {
        enrollmentGroupId: id,
        attestation: anchor.shown,
        capabilities: { iotEdge: isJson(body.capabilities) && body.capabilities.iotEdge === true },
        initialTwin: initialTwinOf(body.initialTwin),
        provisioningStatus: statusOf(body.provisioningStatus),
        reprovisionPolicy: reprovisionOf(body.reprovisionPolicy),
        ...this.allocationOf(body),
        createdDateTimeUtc: existing?.body.createdDateTimeUtc ?? now,
        lastUpdatedDateTimeUtc: now,
      },
    };
    record.body.etag = `"${Buffer.from(`${id}:${record.etagCounter}`).toString("base64")}"`;
    this.groups.set(id, record);
    return record.body;
  }

  /** DELETE /enrollmentGroups/{id}: 404 when absent; If-Match, when sent, must match. Registrations stay in the hub. */
  deleteGroup(id: string, ifMatch: string | undefined): void {
    const record = this.record(id);
    if (ifMatch !== undefined) checkEtag(record, ifMatch);
    this.groups.delete(id);
  }

  /**
   * PUT /{idScope}/registrations/{registrationId}/register with the device's TLS client certificate
   * and the chain it sent. For an X.509 enrollment group the registration id is the leaf's subject CN
   * (learn.microsoft.com "X.509 certificate attestation"), the chain must end at the group's signing
   * certificate or its verified CA reference, and the group must be enabled ("How to disallow
   * devices": a disabled enrollment group refuses registration). Every refusal is 401 401002, the one
   * answer devices get for a certificate DPS does not accept (Azure/azure-iot-sdk-c issues quoting
   * `{"errorCode":401002,...,"message":"Unauthorized"}`).
   */
  register(
    idScope: string,
    registrationId: string,
    leaf: X509Certificate | undefined,
    sent: readonly X509Certificate[],
  ): { operationId: string } {
    const refuse = (reason: string): never => {
      this.refused.push({ registrationId, reason });
      throw new DpsError(401, 401002, "Unauthorized");
    };
    if (idScope !== this.idScope) return refuse(`unknown id scope ${idScope}`);
    if (!REGISTRATION_ID.test(registrationId)) throw new DpsError(400, 400, `Registration id '${registrationId}' is invalid`);
    if (!leaf) return refuse("no client certificate");
    if (!validNow(leaf)) return refuse("client certificate not valid now");
    const cn = commonNameOf(leaf);
    if (cn !== registrationId) return refuse(`certificate CN ${cn ?? "(none)"} is not the registration id ${registrationId}`);
    const group = [...this.groups.values()].find((g) => this.chainEndsAt(leaf, sent, g));
    if (!group) return refuse(`the certificate's chain ends at no enrollment group's CA (issuer ${leaf.issuer.replace(/\n/g, ", ")})`);
    if (group.body.provisioningStatus !== "enabled") return refuse(`enrollment group ${String(group.body.enrollmentGroupId)} is disabled`);
    const operationId = `4.${randomBytes(8).toString("hex")}.${randomUUID()}`;
    const operation: Operation = { registrationId, pollsBeforeAssigned: this.pollsBeforeAssigned };
    try {
      operation.result = this.assign(registrationId, group, leaf);
    } catch (e) {
      operation.failure = e instanceof DpsError ? e : new DpsError(500, 500, String(e));
    }
    this.operations.set(operationId, operation);
    return { operationId };
  }

  /**
   * GET /{idScope}/registrations/{registrationId}/operations/{operationId}: `assigning` until the
   * assignment is done, then `assigned` with the registration state (REST "Runtime Registration -
   * Operation Status Lookup": RegistrationOperationStatus, DeviceRegistrationResult).
   */
  operationStatus(idScope: string, registrationId: string, operationId: string, leaf: X509Certificate | undefined): Json {
    // The lookup is authenticated like the registration: the device's own certificate.
    if (!leaf || commonNameOf(leaf) !== registrationId) {
      this.refused.push({ registrationId, reason: "status lookup without the registration's certificate" });
      throw new DpsError(401, 401002, "Unauthorized");
    }
    const op = this.operations.get(operationId);
    if (idScope !== this.idScope || !op || op.registrationId !== registrationId)
      throw new DpsError(404, 404, `Operation ${operationId} not found`);
    if (op.pollsBeforeAssigned > 0) {
      op.pollsBeforeAssigned -= 1;
      return { operationId, status: "assigning" };
    }
    if (op.failure) {
      return {
        operationId,
        status: "failed",
        registrationState: { registrationId, status: "failed", errorCode: op.failure.errorCode, errorMessage: op.failure.message },
      };
    }
    return { operationId, status: "assigned", registrationState: op.result };
  }

  /**
   * Creates the device on the group's hub: device id = the certificate's CN (learn.microsoft.com "X.509
   * certificate attestation": for enrollment groups the CN sets the device ID registered with IoT Hub),
   * edge capability from the group, and the group's initial twin tags (learn.microsoft.com "Device
   * Provisioning Service concepts": the initial twin is applied on first registration). The identity
   * authenticates by the thumbprint of the certificate the device registered with: DPS creates
   * X.509 group devices as `selfSigned`, not `certificateAuthority`, so the hub needs no CA of its
   * own (MicrosoftDocs/azure-docs #70976 and #108289, Azure/azure-iot-sdk-csharp #3360). A device
   * already there keeps its twin (the default reprovisioning policy migrates device data) and gets
   * the thumbprint of the certificate it registers with now.
   */
  private assign(registrationId: string, group: GroupRecord, leaf: X509Certificate): Json {
    const hubName = this.hubFor(group);
    const hub = this.linkedHubs.get(hubName);
    if (!hub) throw new DpsError(400, 400, `IoT hub ${hubName} is not linked to this DPS`);
    const existing = hub.identities.get(registrationId);
    const identity = {
      deviceId: registrationId,
      // An existing device keeps its status: disabling it in the hub is the operator's call.
      status: existing?.device.status ?? "enabled",
      authentication: {
        type: "selfSigned",
        x509Thumbprint: { primaryThumbprint: leaf.fingerprint.replace(/:/g, ""), secondaryThumbprint: null },
      },
      capabilities: { iotEdge: (group.body.capabilities as Json).iotEdge === true },
    };
    if (!existing) {
      hub.put(registrationId, identity, undefined);
      const twin = group.body.initialTwin as Json;
      hub.setTags(registrationId, isJson(twin.tags) ? twin.tags : {});
    } else {
      hub.put(registrationId, identity, "*");
    }
    const previous = this.registrations.get(registrationId);
    const now = new Date().toISOString();
    const registration: Registration = {
      registrationId,
      enrollmentGroupId: String(group.body.enrollmentGroupId),
      assignedHub: hubName,
      createdDateTimeUtc: previous?.createdDateTimeUtc ?? now,
    };
    this.registrations.set(registrationId, registration);
    return {
      x509: { enrollmentGroupId: registration.enrollmentGroupId },
      registrationId,
      createdDateTimeUtc: registration.createdDateTimeUtc,
      assignedHub: hubName,
      deviceId: registrationId,
      status: "assigned",
      substatus: "initialAssignment",
      lastUpdatedDateTimeUtc: now,
      etag: `"${randomBytes(6).toString("hex")}"`,
    };
  }

  /** The group's hub: its iotHubs list (static and hashed pick the first here), else any linked hub. */
  private hubFor(group: GroupRecord): string {
    const listed = Array.isArray(group.body.iotHubs) ? (group.body.iotHubs as string[]) : [];
    return listed[0] ?? (group.body.iotHubHostName as string | undefined) ?? [...this.linkedHubs.keys()][0] ?? "";
  }

  /** Does the device's chain (leaf plus what it sent) end at this group's trust anchor? */
  private chainEndsAt(leaf: X509Certificate, sent: readonly X509Certificate[], group: GroupRecord): boolean {
    let anchor = group.signing;
    if (group.caReference) {
      const ca = this.certificates.get(group.caReference);
      // A CA reference counts only while that certificate is on the service and verified.
      if (!ca?.isVerified) return false;
      anchor = new X509Certificate(ca.pem);
    }
    if (!anchor) return false;
    // Each issuer must be a CA (RFC 5280 basicConstraints cA), valid now, and have signed the child.
    const signs = (issuer: X509Certificate, child: X509Certificate) =>
      issuer.ca && validNow(issuer) && child.checkIssued(issuer) && child.verify(issuer.publicKey);
    let current = leaf;
    for (let hops = 0; hops <= sent.length; hops++) {
      if (signs(anchor, current)) return true;
      const next = sent.find((c) => !c.raw.equals(current.raw) && signs(c, current));
      if (!next) return false;
      current = next;
    }
    return false;
  }

  /** X.509 attestation of a group: a signing certificate or a CA reference, never client certificates. */
  private attestationOf(value: unknown): { signing?: X509Certificate; caReference?: string; shown: Json } {
    // DPS requires an attestation on every enrollment (azure-iot-sdk-csharp PR #2861).
    if (!isJson(value) || value.type !== "x509" || !isJson(value.x509)) {
      throw new DpsError(400, 400, "The stand-in keeps X.509 enrollment groups only: attestation.type must be x509 with an x509 section");
    }
    const x509 = value.x509;
    // Groups take signing certificates or CA references; client certificates are for individual
    // enrollments (azure-iot-provisioning-service interfaces.d.ts, X509Attestation).
    if (x509.clientCertificates)
      throw new DpsError(400, 400, "An enrollment group takes signingCertificates or caReferences, not clientCertificates");
    const primarySigning =
      isJson(x509.signingCertificates) && isJson(x509.signingCertificates.primary) ? x509.signingCertificates.primary : undefined;
    const caReference = isJson(x509.caReferences) && typeof x509.caReferences.primary === "string" ? x509.caReferences.primary : undefined;
    if (!!primarySigning === !!caReference)
      throw new DpsError(400, 400, "An X.509 enrollment group needs exactly one of signingCertificates.primary and caReferences.primary");
    if (caReference) {
      if (!this.certificates.has(caReference)) throw new DpsError(400, 400, `CA certificate '${caReference}' is not on this DPS`);
      return { caReference, shown: { type: "x509", x509: { caReferences: { primary: caReference } } } };
    }
    const pem = typeof primarySigning!.certificate === "string" ? primarySigning!.certificate : "";
    const signing = parseCertificate(pem, "signingCertificates.primary.certificate");
    // The service keeps the certificate and shows its info (REST X509CertificateWithInfo: certificate, info).
    return { signing, shown: { type: "x509", x509: { signingCertificates: { primary: { info: infoOf(signing) } } } } };
  }

  /** iotHubs needs allocationPolicy (azure-sdk-for-python #35368: 400004 "Enrollment allocationPolicy must be specified when iotHubs are specified"). */
  private allocationOf(body: Json): Json {
    const hubs = body.iotHubs;
    if (hubs !== undefined && (!Array.isArray(hubs) || hubs.some((h) => typeof h !== "string")))
      throw new DpsError(400, 400, "iotHubs must be a list of host names");
    if (hubs !== undefined && body.allocationPolicy === undefined)
      throw new DpsError(400, 400004, "Enrollment allocationPolicy must be specified when iotHubs are specified.");
    if (body.allocationPolicy !== undefined && !ALLOCATION_POLICIES.includes(String(body.allocationPolicy))) {
      throw new DpsError(400, 400, `Invalid allocationPolicy '${String(body.allocationPolicy)}'`);
    }
    for (const hub of (hubs as string[] | undefined) ?? []) {
      if (!this.linkedHubs.has(hub)) throw new DpsError(400, 400, `IoT hub ${hub} is not linked to this DPS`);
    }
    return {
      ...(body.allocationPolicy !== undefined ? { allocationPolicy: body.allocationPolicy } : {}),
      ...(hubs !== undefined ? { iotHubs: hubs } : {}),
      ...(typeof body.iotHubHostName === "string" ? { iotHubHostName: body.iotHubHostName } : {}),
    };
  }

  private record(id: string): GroupRecord {
    const record = this.groups.get(id);
    if (!record) throw new DpsError(404, 404, `Enrollment group '${id}' not found`);
    return record;
  }
}

function checkEtag(record: GroupRecord, ifMatch: string): void {
  const wanted = ifMatch.replace(/^"|"$/g, "");
  const current = String(record.body.etag).replace(/^"|"$/g, "");
  if (wanted !== "*" && wanted !== current) throw new DpsError(412, 412, `Precondition failed: etag is ${current}, If-Match was ${wanted}`);
}

function statusOf(value: unknown): string {
  const status = value ?? "enabled";
  if (status !== "enabled" && status !== "disabled") throw new DpsError(400, 400, `Invalid provisioningStatus '${String(status)}'`);
  return status;
}

/** Default policy: re-assign and migrate (REST ReprovisionPolicy: both default to true). */
function reprovisionOf(value: unknown): Json {
  const policy = isJson(value) ? value : {};
  return { updateHubAssignment: policy.updateHubAssignment !== false, migrateDeviceData: policy.migrateDeviceData !== false };
}

function initialTwinOf(value: unknown): Json {
  const twin = isJson(value) ? value : {};
  const desired = isJson(twin.properties) && isJson(twin.properties.desired) ? twin.properties.desired : {};
  return { tags: isJson(twin.tags) ? twin.tags : {}, properties: { desired } };
}

function parseCertificate(text: string, what: string): X509Certificate {
  try {
    // The REST API takes the certificate as PEM or as base64 DER.
    return new X509Certificate(text.includes("-----BEGIN") ? text : Buffer.from(text, "base64"));
  } catch {
    throw new DpsError(400, 400, `${what} is not an X.509 certificate`);
  }
}

function infoOf(cert: X509Certificate): Json {
  return {
    subjectName: cert.subject.replace(/\n/g, ", "),
    sha1Thumbprint: cert.fingerprint.replace(/:/g, ""),
    sha256Thumbprint: cert.fingerprint256.replace(/:/g, ""),
    issuerName: cert.issuer.replace(/\n/g, ", "),
    notBeforeUtc: new Date(cert.validFrom).toISOString(),
    notAfterUtc: new Date(cert.validTo).toISOString(),
    serialNumber: cert.serialNumber,
    version: 3,
  };
}

function validNow(cert: X509Certificate): boolean {
  const now = Date.now();
  return Date.parse(cert.validFrom) <= now && Date.parse(cert.validTo) >= now;
}

function commonNameOf(cert: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
}
