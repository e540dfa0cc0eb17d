// The device-facing side of the IoT Hub stand-in: OUR OWN HTTPS + mutual-TLS stand-in API, not a
// protocol IoT Hub offers. Real edge devices reach their module twins over MQTT or AMQP (IoT Hub's
// HTTPS device API has no twins); the lab's edge-runtime simulator (lab/simulator/) speaks this
// small API instead so that what matters here is real: the device authenticates with its X.509
// identity certificate in the TLS handshake, and the hub accepts it only when the certificate's
// thumbprint is one registered on the identity (selfSigned), or when its chain ends at a CA
// certificate registered and verified on the hub (certificateAuthority) — otherwise 401 with the
// hub's error body — and the hub's twins show what the device reports.
//
//   GET   /devices/{id}/modules/{module}/twin?api-version=…           → { desired, reported }
//   PATCH /devices/{id}/modules/{module}/twin/reported?api-version=…  body: full reported properties → 204
//   POST  /devices/{id}/disconnect?api-version=…                       → 204 (the device closes its connection)
//
// A module counts as Connected from its last authenticated request for its twin until the runtime
// disconnects or is silent for `connectedForMs`. The device twin's own connectionState never
// changes: an edge runtime connects as its modules (Azure/iotedge #80, #809), and $edgeAgent's module
// stays Disconnected too, since connection state follows telemetry and edgeAgent sends none
// (Azure/iotedge #2733: maintainers point to its `ping` direct method instead).
import { X509Certificate } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { DetailedPeerCertificate, TLSSocket } from "node:tls";
import { HubError, type RegistryModel } from "./iotHubModel";

/** How long a module stays Connected after its last request (its "keep-alive"). */
export const DEVICE_CONNECTED_FOR_MS = 15_000;

export class DeviceApi {
  private readonly silenceTimers = new Map<string, NodeJS.Timeout>();
  /** Refused device requests (401), newest last: device id, reason. */
  readonly refused: { deviceId: string; reason: string; at: number }[] = [];

  constructor(
    private readonly model: RegistryModel,
    private readonly connectedForMs = DEVICE_CONNECTED_FOR_MS,
  ) {}

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
    const moduleId = parts[3];
    this.connected(deviceId, moduleId);
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
   * have the registered primary or secondary thumbprint (SHA-1 or SHA-256 of its DER); for a
   * certificateAuthority identity, have CN = the device id and a chain (the certificates the device
   * sends) that ends at a CA registered and verified on the hub (learn.microsoft.com "Authenticate
   * identities with X.509 certificates": the CA must be uploaded and verified; the leaf's CN is the device id).
   */
  private authenticate(req: IncomingMessage, deviceId: string): void {
    const refuse = (reason: string): never => {
      this.refused.push({ deviceId, reason, at: Date.now() });
      throw new HubError(401, "IotHubUnauthorizedAccess", "Unauthorized");
    };
    const peer = (req.socket as TLSSocket).getPeerCertificate?.(true);
    if (!peer || !peer.raw) return refuse("no client certificate");
    const identity = this.model.identities.get(deviceId);
    if (!identity) return refuse("device not registered");
    const device = identity.device as {
      status?: string;
      authentication?: { type?: string; x509Thumbprint?: Record<string, string | null> };
    };
    if (device.status !== "enabled") return refuse("device disabled");
    const cert = new X509Certificate(peer.raw);
    const now = Date.now();
    if (Date.parse(cert.validFrom) > now || Date.parse(cert.validTo) < now) return refuse("client certificate not valid now");
    if (device.authentication?.type === "certificateAuthority") {
      const why = this.chainProblem(peer, deviceId);
      if (why) return refuse(why);
      return;
    }
    if (device.authentication?.type !== "selfSigned") return refuse(`${device.authentication?.type ?? "no"} authentication is not X.509`);
    const presented = [cert.fingerprint, cert.fingerprint256].map((f) => f.replace(/:/g, "").toUpperCase());
    const registered = Object.values(device.authentication.x509Thumbprint ?? {})
      .filter((t): t is string => typeof t === "string")
      .map((t) => t.toUpperCase());
    if (!presented.some((p) => registered.includes(p))) return refuse(`thumbprint ${presented[1]} is not registered`);
  }

  /** Why a CA-signed client certificate is refused, or undefined when its chain ends at a verified CA. */
  private chainProblem(peer: DetailedPeerCertificate, deviceId: string): string | undefined {
    const leaf = new X509Certificate(peer.raw);
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(leaf.subject)?.[1];
    if (cn !== deviceId) return `certificate CN ${cn ?? "(none)"} is not the device id`;
    const verifiedCas = this.model.verifiedCaCertificates();
    const sent: X509Certificate[] = [];
    for (let at = peer.issuerCertificate; at && at.raw && !sent.some((c) => c.raw.equals(at!.raw)); at = at.issuerCertificate) {
      if (!at.raw.equals(peer.raw)) sent.push(new X509Certificate(at.raw));
    }
    const now = Date.now();
    const validNow = (c: X509Certificate) => Date.parse(c.validFrom) <= now && Date.parse(c.validTo) >= now;
    // An issuer must be a CA (RFC 5280 path validation: basicConstraints cA), valid now, and have signed the child.
    const signs = (issuer: X509Certificate, child: X509Certificate) =>
      issuer.ca && validNow(issuer) && child.checkIssued(issuer) && child.verify(issuer.publicKey);
    for (let current = leaf, hops = 0; hops <= sent.length; hops++) {
      if (verifiedCas.some((ca) => signs(ca, current))) return undefined;
      const next = sent.find((c) => signs(c, current));
      if (!next) break;
      current = next;
    }
    return `the certificate's chain does not end at a CA certificate registered and verified on the hub (issuer ${leaf.issuer.replace(/\n/g, ", ")})`;
  }

  private connected(deviceId: string, moduleId: string): void {
    // $edgeAgent sends no telemetry, so its module shows Disconnected whatever it does (Azure/iotedge #2733).
    if (moduleId === "$edgeAgent") return;
    this.model.setModuleConnectionState(deviceId, moduleId, "Connected");
    const key = `${deviceId}/${moduleId}`;
    clearTimeout(this.silenceTimers.get(key));
    const timer = setTimeout(() => this.disconnectedModule(deviceId, moduleId), this.connectedForMs);
    timer.unref();
    this.silenceTimers.set(key, timer);
  }

  /** The runtime closed its connections: every module of the device is Disconnected. */
  private disconnected(deviceId: string): void {
    const identity = this.model.identities.get(deviceId);
    for (const moduleId of identity?.modules.keys() ?? []) this.disconnectedModule(deviceId, moduleId);
  }

  private disconnectedModule(deviceId: string, moduleId: string): void {
    const key = `${deviceId}/${moduleId}`;
    clearTimeout(this.silenceTimers.get(key));
    this.silenceTimers.delete(key);
    if (this.model.identities.has(deviceId)) this.model.setModuleConnectionState(deviceId, moduleId, "Disconnected");
  }
}
