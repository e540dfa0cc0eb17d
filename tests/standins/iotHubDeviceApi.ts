// The device-facing side of the IoT Hub stand-in: OUR OWN HTTPS + mutual-TLS stand-in API, not a
// protocol IoT Hub offers. Real edge devices reach their module twins over MQTT or AMQP (IoT Hub's
// HTTPS device API has no twins); the lab's edge-runtime simulator (lab/simulator/) speaks this
// small API instead so that what matters here is real: the device authenticates with its X.509
// identity certificate in the TLS handshake, and the hub accepts it only when the certificate's
// thumbprint is one registered on the identity (selfSigned) — otherwise 401 with the hub's error
// body — and the hub's twins show what the device reports.
//
//   GET   /devices/{id}/modules/{module}/twin?api-version=…           → { desired, reported }
//   PATCH /devices/{id}/modules/{module}/twin/reported?api-version=…  body: full reported properties → 204
//   POST  /devices/{id}/disconnect?api-version=…                       → 204 (the device closes its connection)
//
// A device counts as Connected from its last authenticated request until it disconnects or is
// silent for `connectedForMs`.
import { X509Certificate } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { HubError, type RegistryModel } from "./iotHubModel";

/** How long a device stays Connected after its last request (its "keep-alive"). */
export const DEVICE_CONNECTED_FOR_MS = 15_000;

export class DeviceApi {
  private readonly silenceTimers = new Map<string, NodeJS.Timeout>();
  /** Refused device requests (401), newest last: device id, reason. */
  readonly refused: { deviceId: string; reason: string; at: number }[] = [];

  constructor(private readonly model: RegistryModel, private readonly connectedForMs = DEVICE_CONNECTED_FOR_MS) {}

  /** True for paths of this API (answered by `serve`, never by the service API). */
  static handles(parts: readonly string[]): boolean {
    return (
      parts[0] === "devices" &&
      ((parts.length === 5 && parts[2] === "modules" && parts[4] === "twin") ||
        (parts.length === 6 && parts[2] === "modules" && parts[4] === "twin" && parts[5] === "reported") ||
        (parts.length === 3 && parts[2] === "disconnect"))
    );
  }

  serve(req: IncomingMessage, parts: readonly string[], body: () => Record<string, unknown>): [number, unknown] {
    const deviceId = parts[1];
    this.authenticate(req, deviceId);
    if (parts[2] === "disconnect" && req.method === "POST") {
      this.disconnected(deviceId);
      return [204, undefined];
    }
    this.connected(deviceId);
    const moduleId = parts[3];
    const twin = this.model.get(deviceId).modules.get(moduleId);
    if (!twin) throw new HubError(404, "ModuleNotFound", `Module ${moduleId} on device ${deviceId} not registered`);
    if (parts.length === 5 && req.method === "GET") return [200, { desired: twin.desired, reported: twin.reported }];
    if (parts.length === 6 && req.method === "PATCH") {
      this.model.report(deviceId, moduleId, body());
      return [204, undefined];
    }
    throw new HubError(405, "MethodNotAllowed", `${req.method} is not allowed here`);
  }

  stop(): void {
    for (const t of this.silenceTimers.values()) clearTimeout(t);
    this.silenceTimers.clear();
  }

  /**
   * The client certificate of the TLS handshake must be valid now and, for a selfSigned identity,
   * have the registered primary or secondary thumbprint (SHA-1 or SHA-256 of its DER).
   */
  private authenticate(req: IncomingMessage, deviceId: string): void {
    const refuse = (reason: string): never => {
      this.refused.push({ deviceId, reason, at: Date.now() });
      throw new HubError(401, "IotHubUnauthorizedAccess", "Unauthorized");
    };
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    if (!peer || !peer.raw) return refuse("no client certificate");
    const identity = this.model.identities.get(deviceId);
    if (!identity) return refuse("device not registered");
    const device = identity.device as { status?: string; authentication?: { type?: string; x509Thumbprint?: Record<string, string | null> } };
    if (device.status !== "enabled") return refuse("device disabled");
    const cert = new X509Certificate(peer.raw);
    const now = Date.now();
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) return refuse("client certificate not valid now");
    if (device.authentication?.type !== "selfSigned") {
      return refuse(`the stand-in authenticates selfSigned identities only, not ${device.authentication?.type ?? "none"}`);
    }
    const presented = [cert.fingerprint, cert.fingerprint256].map((f) => f.replace(/:/g, "").toUpperCase());
    const registered = Object.values(device.authentication.x509Thumbprint ?? {})
      .filter((t): t is string => typeof t === "string")
      .map((t) => t.toUpperCase());
    if (!presented.some((p) => registered.includes(p))) return refuse(`thumbprint ${presented[1]} is not registered`);
  }

  private connected(deviceId: string): void {
    const identity = this.model.identities.get(deviceId);
    if (identity && identity.device.connectionState !== "Connected") this.model.setConnectionState(deviceId, "Connected");
    clearTimeout(this.silenceTimers.get(deviceId));
    const timer = setTimeout(() => this.disconnected(deviceId), this.connectedForMs);
    timer.unref();
    this.silenceTimers.set(deviceId, timer);
  }

  private disconnected(deviceId: string): void {
    clearTimeout(this.silenceTimers.get(deviceId));
    this.silenceTimers.delete(deviceId);
    if (this.model.identities.has(deviceId)) this.model.setConnectionState(deviceId, "Disconnected");
  }
}

