// A local stand-in of the IoT Hub Device Provisioning Service over HTTPS, beside the IoT Hub
// stand-in: the service API for enrollment groups (SAS-authorized, etags) and the device
// registration API (mutual TLS with the device's X.509 certificate), assigning devices to a linked
// hub stand-in. Errors carry the documented body `{"errorCode":401002,"trackingId":…,"message":…,
// "timestampUtc":…}` and an `x-ms-error-code` header (learn.microsoft.com REST, ProvisioningServiceErrorDetails).
// Drive it only through the real clients (azure-iot-provisioning-service, azure-iot-provisioning-device-http).
//
// Like the hub's, the DPS SDKs ignore a port in the host name, so it listens on 443 of its own
// loopback address, with a certificate for that address; trust `caCertPem`.
import { randomBytes, randomUUID, X509Certificate } from "node:crypto";
import type { Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { isJson, type RegistryModel } from "./iotHubModel";
import { startLoopbackTlsServer } from "./iotHubTls";
import { DpsError, ProvisioningModel } from "./dpsModel";
import { sasTokenProblem } from "./sasToken";

export interface DpsStandinOptions {
  /** Loopback address to listen on (port 443). Default 127.0.10.1. */
  readonly address?: string;
  readonly idScope?: string;
  readonly policyName?: string;
  readonly sharedAccessKey?: string;
  /** Linked hubs (host name → the hub stand-in's model). */
  readonly linkedHubs?: ReadonlyMap<string, RegistryModel>;
  /** Seconds the device is told to wait between polls (the real service sends `retry-after`). */
  readonly retryAfterSeconds?: number;
}

export interface DpsLoggedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  status: number;
}

// The service SDK sends 2021-10-01 (azure-iot-provisioning-service 1.11 `_versionQueryString`); the
// REST reference lists it. An unknown version is a 400 (azure-iot-sdk-csharp #3479).
const SERVICE_API_VERSIONS = ["2021-10-01"];
// The Node device SDK sends 2019-03-31 (azure-iot-provisioning-device constants.js); the REST
// reference documents 2021-06-01.
const DEVICE_API_VERSIONS = ["2019-03-31", "2021-06-01"];

export class DpsStandin {
  readonly model: ProvisioningModel;
  readonly requests: DpsLoggedRequest[] = [];
  private readonly queued: number[] = [];
  private readonly lostAnswers: number[] = [];

  private constructor(
    private readonly server: Server,
    readonly hostName: string,
    readonly policyName: string,
    private readonly sharedAccessKey: string,
    readonly caCertPem: string,
    idScope: string,
    linkedHubs: ReadonlyMap<string, RegistryModel>,
    private readonly retryAfterSeconds: number,
  ) {
    this.model = new ProvisioningModel(idScope, new Map(linkedHubs));
  }

  static async start(options: DpsStandinOptions = {}): Promise<DpsStandin> {
    const address = options.address ?? "127.0.10.1";
    // Devices present their certificate in the handshake; service clients present none.
    const { server, caCertPem } = await startLoopbackTlsServer({ address, port: 443 });
    const standin = new DpsStandin(
      server,
      address,
      options.policyName ?? "provisioningserviceowner",
      options.sharedAccessKey ?? randomBytes(32).toString("base64"),
      caCertPem,
      options.idScope ?? "0ne00000001",
      options.linkedHubs ?? new Map(),
      options.retryAfterSeconds ?? 1,
    );
    server.on("request", (req, res) => standin.handle(req, res));
    return standin;
  }

  get idScope(): string {
    return this.model.idScope;
  }

  /** The DPS service connection string (a secret). */
  get connectionString(): string {
    return `HostName=${this.hostName};SharedAccessKeyName=${this.policyName};SharedAccessKey=${this.sharedAccessKey}`;
  }

  /** Answer the next service requests with these statuses, in order (after authorization). */
  failNext(...statuses: number[]): void {
    this.queued.push(...statuses);
  }

  /** Serve the next service requests, then answer them with these statuses anyway: an answer lost after the work was done. */
  loseNextAnswers(...statuses: number[]): void {
    this.lostAnswers.push(...statuses);
  }

  clearLog(): void {
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry: DpsLoggedRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, status: 0 };
      this.requests.push(entry);
      const headers: Record<string, string> = {};
      let status: number;
      let payload: unknown;
      try {
        [status, payload] = this.serve(req, Buffer.concat(chunks).toString("utf8"), headers);
        const lost = entry.url.includes("/enrollmentGroups/") ? this.lostAnswers.shift() : undefined;
        if (lost !== undefined) throw new DpsError(lost, lost, `Injected ${lost} after serving the request`);
      } catch (e) {
        const err = e instanceof DpsError ? e : new DpsError(500, 500, String(e));
        status = err.status;
        headers["x-ms-error-code"] = String(err.errorCode);
        payload = { errorCode: err.errorCode, trackingId: randomUUID(), message: err.message, timestampUtc: new Date().toISOString() };
      }
      entry.status = status;
      if (payload === undefined) res.writeHead(status, headers).end();
      else res.writeHead(status, { ...headers, "Content-Type": "application/json; charset=utf-8" }).end(JSON.stringify(payload));
    });
  }

  private serve(req: IncomingMessage, rawBody: string, headers: Record<string, string>): [number, unknown] {
    const url = new URL(req.url ?? "/", `https://${this.hostName}`);
    const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
    const version = url.searchParams.get("api-version") ?? "";
    const body = () => jsonBody(rawBody);
    // Device registration API: /{idScope}/registrations/{registrationId}/register | /operations/{operationId}.
    if (parts.length >= 4 && parts[1] === "registrations") {
      if (!DEVICE_API_VERSIONS.includes(version)) throw new DpsError(400, 400, `Unknown api version '${version}'`);
      const [idScope, , registrationId] = parts;
      if (parts.length === 4 && parts[3] === "register" && req.method === "PUT") {
        // The body's registrationId must be the one in the path (REST DeviceRegistration).
        const sent = body();
        if (sent.registrationId !== registrationId)
          throw new DpsError(400, 400, `registrationId in the body (${String(sent.registrationId)}) does not match the URI`);
        const { leaf, chain } = peerChain(req);
        const { operationId } = this.model.register(idScope, registrationId, leaf, chain);
        // 202 with `retry-after` while the assignment runs (REST "Register Device": 202 Accepted, headers retry-after).
        headers["retry-after"] = String(this.retryAfterSeconds);
        return [202, { operationId, status: "assigning" }];
      }
      if (parts.length === 5 && parts[3] === "operations" && req.method === "GET") {
        const result = this.model.operationStatus(idScope, registrationId, parts[4], peerChain(req).leaf);
        if (result.status === "assigning") {
          headers["retry-after"] = String(this.retryAfterSeconds);
          return [202, result];
        }
        return [200, result];
      }
      throw new DpsError(405, 405, `${req.method} ${url.pathname} is not allowed`);
    }
    // Service API: /enrollmentGroups/{id}.
    if (!SERVICE_API_VERSIONS.includes(version)) throw new DpsError(400, 400, `Unknown api version '${version}'`);
    this.authorize(req.headers.authorization);
    const fault = this.queued.shift();
    if (fault !== undefined) throw new DpsError(fault, fault, fault === 429 ? "Too many requests" : `Injected ${fault}`);
    const ifMatch = typeof req.headers["if-match"] === "string" ? req.headers["if-match"] : undefined;
    if (parts[0] === "enrollmentGroups" && parts.length === 2) {
      const id = parts[1];
      if (req.method === "PUT") return [200, this.model.putGroup(id, body(), ifMatch)];
      if (req.method === "GET") return [200, this.model.getGroup(id)];
      if (req.method === "DELETE") return (this.model.deleteGroup(id, ifMatch), [204, undefined]);
    }
    throw new DpsError(404, 404, `${req.method} ${url.pathname} is not served by the stand-in`);
  }

  /**
   * `SharedAccessSignature sr=<host>&sig=<b64 HMAC-SHA256(key, sr + "\n" + se)>&se=<epoch>&skn=<policy>`,
   * the same scheme as IoT Hub (learn.microsoft.com "Control access to the DPS with SAS tokens"). 401 otherwise.
   */
  private authorize(header: string | undefined): void {
    const unauthorized = (why: string) => new DpsError(401, 401, `Unauthorized: ${why}`);
    if (!header?.startsWith("SharedAccessSignature ")) throw unauthorized("no SharedAccessSignature authorization");
    const problem = sasTokenProblem(header, {
      hostName: this.hostName,
      policyName: this.policyName,
      sharedAccessKey: this.sharedAccessKey,
      serviceName: "this DPS",
    });
    if (problem) throw unauthorized(problem);
  }
}

/** The client certificate of the TLS handshake and the certificates the client sent after it. */
function peerChain(req: IncomingMessage): { leaf?: X509Certificate; chain: X509Certificate[] } {
  const peer = (req.socket as TLSSocket).getPeerCertificate?.(true);
  if (!peer || !peer.raw) return { chain: [] };
  const chain: X509Certificate[] = [];
  for (
    let at = peer.issuerCertificate;
    at && at.raw && !at.raw.equals(peer.raw) && !chain.some((c) => c.raw.equals(at!.raw));
    at = at.issuerCertificate
  ) {
    chain.push(new X509Certificate(at.raw));
  }
  return { leaf: new X509Certificate(peer.raw), chain };
}

function jsonBody(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isJson(parsed)) return parsed;
  } catch {
    /* answered below */
  }
  throw new DpsError(400, 400, "The request body is not a JSON object");
}
