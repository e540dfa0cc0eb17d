// The state behind the IoT Hub stand-in: device identities with etags, device and module twins,
// and the device side of an edge device ($edgeAgent reported properties, connection state).
// Pure data and rules; the HTTPS layer in iotHubStandin.ts maps it onto the REST API.
import { randomBytes, X509Certificate } from "node:crypto";

/** An error the hub answers with: HTTP status, IoT Hub error code, message. */
export class HubError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

export interface Twin {
  desired: Json;
  reported: Json;
  /** The module identity's own connection state (module twins only). */
  connectionState?: "Connected" | "Disconnected";
  /**
   * $edgeAgent only: the at-scale deployments targeting the device, "Applied" or "Targeted"
   * (Azure/iotedge doc/reported_states_during_deployment.md "Configuration section").
   */
  configurations?: Record<string, { status: "Applied" | "Targeted" }>;
}

export interface Identity {
  device: Json;
  etagCounter: number;
  twin: Twin;
  modules: Map<string, Twin>;
  /** Every modulesContent applied with applyConfigurationContent, oldest first. */
  applied: Json[];
  /** The device twin's tags (set by the service side, e.g. a DPS initial twin). */
  tags?: Json;
  /** Bumped by each tag change: part of the device twin's etag and version. */
  tagsVersion?: number;
}

const NEVER = "0001-01-01T00:00:00Z";
const THUMBPRINT = /^([0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/;

/** A CA certificate on the hub (control plane: Microsoft.Devices/IotHubs/certificates). */
export interface HubCertificate {
  readonly name: string;
  readonly pem: string;
  readonly isVerified: boolean;
}

export class RegistryModel {
  readonly identities = new Map<string, Identity>();
  /** CA certificates registered on the hub, by name. */
  readonly certificates = new Map<string, HubCertificate>();
  /** Called when a device is created or its twin tags change: the hub re-evaluates its deployments (iotHubConfigurations.ts). */
  onTwinChanged: (deviceId: string) => void = () => {};

  /**
   * Registers a CA certificate, as an operator does in the portal or with `az iot hub certificate
   * create --verified`. Only a verified CA authenticates devices (learn.microsoft.com, "Authenticate
   * identities with X.509 certificates": upload, then verify by proof of possession or `isVerified`).
   */
  registerCertificate(name: string, pem: string, isVerified: boolean): void {
    try {
      new X509Certificate(pem);
    } catch {
      throw new HubError(400, "ArgumentInvalid", `Certificate ${name} is not a PEM X.509 certificate`);
    }
    this.certificates.set(name, { name, pem, isVerified });
  }

  verifiedCaCertificates(): X509Certificate[] {
    return [...this.certificates.values()].filter((c) => c.isVerified).map((c) => new X509Certificate(c.pem));
  }

  get(deviceId: string): Identity {
    const identity = this.identities.get(deviceId);
    if (!identity) throw new HubError(404, "DeviceNotFound", `Device ${deviceId} not registered`);
    return identity;
  }

  /** PUT /devices/{id}: create without If-Match; update with If-Match "*" or the current etag. */
  put(deviceId: string, body: Json, ifMatch: string | undefined): Json {
    if (body.deviceId !== deviceId)
      throw new HubError(400, "ArgumentInvalid", `DeviceId in the body (${String(body.deviceId)}) does not match the URI (${deviceId})`);
    const auth = checkAuthentication(body.authentication);
    const status = body.status ?? "enabled";
    if (status !== "enabled" && status !== "disabled") throw new HubError(400, "ArgumentInvalid", `Invalid status '${String(status)}'`);
    const existing = this.identities.get(deviceId);
    if (ifMatch === undefined) {
      if (existing) throw new HubError(409, "DeviceAlreadyExists", `A device with ID '${deviceId}' is already registered.`);
      const edge = (body.capabilities as Json | undefined)?.iotEdge === true;
      const generationId = String(Date.now()) + randomBytes(2).readUInt16BE(0);
      const identity: Identity = {
        etagCounter: 1,
        device: {
          deviceId,
          generationId,
          etag: "",
          connectionState: "Disconnected",
          status,
          statusReason: body.statusReason ?? null,
          connectionStateUpdatedTime: NEVER,
          statusUpdatedTime: NEVER,
          lastActivityTime: NEVER,
          cloudToDeviceMessageCount: 0,
          authentication: auth,
          capabilities: { iotEdge: edge },
          deviceScope: edge ? `ms-azure-iot-edge://${deviceId}-${generationId}` : undefined,
        },
        twin: { desired: { $version: 1 }, reported: { $version: 1 } },
        // An edge device gets its two system modules as soon as it is registered.
        modules: new Map(
          edge
            ? [
                ["$edgeAgent", emptyTwin()],
                ["$edgeHub", emptyTwin()],
              ]
            : [],
        ),
        applied: [],
      };
      identity.device.etag = etagOf(identity.etagCounter);
      this.identities.set(deviceId, identity);
      this.onTwinChanged(deviceId);
      return identity.device;
    }
    if (!existing) throw new HubError(404, "DeviceNotFound", `Device ${deviceId} not registered`);
    checkEtag(existing, ifMatch);
    existing.etagCounter += 1;
    Object.assign(existing.device, {
      status,
      statusReason: body.statusReason ?? null,
      authentication: auth,
      etag: etagOf(existing.etagCounter),
      capabilities: { iotEdge: (body.capabilities as Json | undefined)?.iotEdge === true },
    });
    return existing.device;
  }

  delete(deviceId: string, ifMatch: string | undefined): void {
    const identity = this.get(deviceId);
    if (ifMatch !== undefined) checkEtag(identity, ifMatch);
    this.identities.delete(deviceId);
  }

  deviceTwin(deviceId: string): Json {
    const identity = this.get(deviceId);
    const d = identity.device;
    const version = Number(identity.twin.desired.$version) + Number(identity.twin.reported.$version) + (identity.tagsVersion ?? 0);
    return {
      deviceId,
      etag: etagOf(version),
      deviceEtag: d.etag,
      status: d.status,
      statusUpdateTime: d.statusUpdatedTime,
      connectionState: d.connectionState,
      lastActivityTime: d.lastActivityTime,
      cloudToDeviceMessageCount: 0,
      authenticationType: (d.authentication as Json).type,
      x509Thumbprint: (d.authentication as Json).x509Thumbprint,
      modelId: "",
      version,
      capabilities: d.capabilities,
      tags: identity.tags ?? {},
      properties: { desired: identity.twin.desired, reported: identity.twin.reported },
    };
  }

  /** Replaces the device twin's tags, as DPS does with an enrollment's initial twin on registration. */
  setTags(deviceId: string, tags: Json): void {
    const identity = this.get(deviceId);
    identity.tags = { ...tags };
    identity.tagsVersion = (identity.tagsVersion ?? 0) + 1;
    this.onTwinChanged(deviceId);
  }

  /**
   * PATCH /twins/{id} (azure-iothub Registry.updateTwin): "Partially update device twin", the tags or
   * desired properties, "Properties set to null are removed"; keys exclude control characters, `.`,
   * `$` and space (learn.microsoft.com iot-hub-devguide-device-twins.md). If-Match "*" or the twin's etag.
   */
  patchTwin(deviceId: string, patch: Json, ifMatch: string | undefined): Json {
    const identity = this.get(deviceId);
    const wanted = ifMatch?.replace(/^"|"$/g, "");
    const current = this.deviceTwin(deviceId).etag;
    if (wanted !== undefined && wanted !== "*" && wanted !== current) {
      throw new HubError(412, "PreconditionFailed", `Precondition failed: the twin's etag is ${String(current)}, If-Match was ${wanted}`);
    }
    if (patch.tags !== undefined) {
      if (!isJson(patch.tags)) throw new HubError(400, "ArgumentInvalid", "tags must be an object");
      const badKey = twinKeys(patch.tags).find((k) =>
        [...k].some((c) => ".$ ".includes(c) || c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f)),
      );
      if (badKey !== undefined)
        throw new HubError(400, "ArgumentInvalid", `The twin key '${badKey}' holds a character IoT Hub does not allow`);
      this.setTags(deviceId, mergePatch(identity.tags ?? {}, patch.tags));
    }
    const desired = isJson(patch.properties) ? patch.properties.desired : undefined;
    if (isJson(desired))
      identity.twin.desired = { ...mergePatch(identity.twin.desired, desired), $version: Number(identity.twin.desired.$version) + 1 };
    return this.deviceTwin(deviceId);
  }

  moduleTwin(deviceId: string, moduleId: string): Json {
    const identity = this.get(deviceId);
    const twin = identity.modules.get(moduleId);
    if (!twin) throw new HubError(404, "ModuleNotFound", `Module ${moduleId} on device ${deviceId} not registered`);
    return {
      deviceId,
      moduleId,
      etag: etagOf(Number(twin.desired.$version)),
      deviceEtag: identity.device.etag,
      status: "enabled",
      connectionState: twin.connectionState ?? "Disconnected",
      version: Number(twin.desired.$version) + Number(twin.reported.$version),
      ...(twin.configurations ? { configurations: structuredClone(twin.configurations) } : {}),
      properties: { desired: twin.desired, reported: twin.reported },
    };
  }

  /** POST /devices/{id}/applyConfigurationContent: each module's desired properties are replaced whole. */
  applyConfigurationContent(deviceId: string, body: Json): void {
    const identity = this.get(deviceId);
    if ((identity.device.capabilities as Json).iotEdge !== true) {
      throw new HubError(400, "ArgumentInvalid", `Device ${deviceId} is not an edge device`);
    }
    const content = body.modulesContent;
    if (!isJson(content)) throw new HubError(400, "ArgumentInvalid", "modulesContent is required");
    this.replaceDesired(deviceId, content);
    identity.applied.push(content);
  }

  /** Each module's desired properties replaced whole by its section of a modulesContent (a new $version each). */
  replaceDesired(deviceId: string, content: Json): void {
    const identity = this.get(deviceId);
    for (const [moduleId, section] of Object.entries(content)) {
      const desired = isJson(section) ? section["properties.desired"] : undefined;
      if (!isJson(desired)) throw new HubError(400, "ArgumentInvalid", `modulesContent.${moduleId} must have properties.desired`);
    }
    for (const [moduleId, section] of Object.entries(content)) {
      const twin = identity.modules.get(moduleId) ?? emptyTwin();
      twin.desired = { ...structuredClone((section as Json)["properties.desired"] as Json), $version: Number(twin.desired.$version) + 1 };
      identity.modules.set(moduleId, twin);
    }
  }

  // --- the device side ---

  /**
   * A module identity connects or disconnects. The device twin's connectionState is left alone: an
   * edge runtime connects as its modules, never as the device, so the device stays Disconnected
   * (Azure/iotedge #80, #809; azure-iot-sdk-csharp #324).
   */
  setModuleConnectionState(deviceId: string, moduleId: string, state: "Connected" | "Disconnected"): void {
    const twin = this.get(deviceId).modules.get(moduleId);
    if (twin) twin.connectionState = state;
  }

  /** Replaces a module's reported properties, as the device would with a full report. */
  report(deviceId: string, moduleId: string, reported: Json): void {
    const identity = this.get(deviceId);
    const twin = identity.modules.get(moduleId) ?? emptyTwin();
    twin.reported = { ...reported, $version: Number(twin.reported.$version) + 1 };
    identity.modules.set(moduleId, twin);
  }
}

function emptyTwin(): Twin {
  return { desired: { $version: 1 }, reported: { $version: 1 } };
}

function etagOf(counter: number): string {
  return Buffer.from(String(counter)).toString("base64");
}

function checkEtag(identity: Identity, ifMatch: string): void {
  const wanted = ifMatch.replace(/^"|"$/g, "");
  if (wanted !== "*" && wanted !== identity.device.etag) {
    throw new HubError(
      412,
      "PreconditionFailed",
      `Precondition failed: device etag is ${String(identity.device.etag)}, If-Match was ${wanted}`,
    );
  }
}

function checkAuthentication(value: unknown): Json {
  const auth = isJson(value) ? value : {};
  const type = auth.type ?? "sas";
  const x509 = isJson(auth.x509Thumbprint) ? auth.x509Thumbprint : {};
  const primary = x509.primaryThumbprint ?? null;
  const secondary = x509.secondaryThumbprint ?? null;
  if (type === "selfSigned") {
    if (typeof primary !== "string" || !THUMBPRINT.test(primary)) {
      throw new HubError(400, "ArgumentInvalid", "Self-signed authentication requires a primary thumbprint of 40 or 64 hex characters");
    }
    if (secondary !== null && (typeof secondary !== "string" || !THUMBPRINT.test(secondary))) {
      throw new HubError(400, "ArgumentInvalid", "The secondary thumbprint must be 40 or 64 hex characters");
    }
  } else if (type === "certificateAuthority") {
    if (primary !== null || secondary !== null)
      throw new HubError(400, "ArgumentInvalid", "Certificate authority authentication takes no thumbprints");
  } else if (type !== "sas" && type !== "none") {
    throw new HubError(400, "ArgumentInvalid", `Invalid authentication type '${String(type)}'`);
  }
  return {
    type,
    symmetricKey: { primaryKey: null, secondaryKey: null },
    x509Thumbprint: { primaryThumbprint: primary, secondaryThumbprint: secondary },
  };
}

/** Every key of a twin section, nested ones included. */
function twinKeys(value: Json): string[] {
  return Object.entries(value).flatMap(([k, v]) => [k, ...(isJson(v) ? twinKeys(v) : [])]);
}

/** RFC 7396 JSON merge patch: objects merge, null removes, anything else replaces. */
function mergePatch(target: Json, patch: Json): Json {
  const result: Json = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isJson(value) && isJson(result[key])) result[key] = mergePatch(result[key] as Json, value);
    else result[key] = structuredClone(value);
  }
  return result;
}

export function isJson(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
