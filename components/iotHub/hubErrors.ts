// What the IoT Hub said when it refused a request, read from an `azure-iothub` error. Pure.
// The hub answers `{"Message":"ErrorCode:<Code>;<text>"}` (and an `iothub-errorcode` header);
// the SDK keeps the HTTP response and raw body on the error it throws.

export interface HubErrorInfo {
  /** HTTP status, when the hub answered at all. */
  readonly status?: number;
  /** The hub's error code (`DeviceAlreadyExists`, `ThrottlingException`…), or a socket error code. */
  readonly code?: string;
  readonly message: string;
}

interface SdkError {
  message?: string;
  code?: string;
  response?: { statusCode?: number; headers?: Record<string, unknown> };
  responseBody?: unknown;
}

export function hubErrorOf(error: unknown): HubErrorInfo {
  const e = (typeof error === "object" && error !== null ? error : { message: String(error) }) as SdkError;
  const status = e.response?.statusCode;
  let code = typeof e.response?.headers?.["iothub-errorcode"] === "string" ? (e.response.headers["iothub-errorcode"] as string) : undefined;
  let message = e.message ?? String(error);
  if (typeof e.responseBody === "string") {
    try {
      const body = JSON.parse(e.responseBody) as { Message?: unknown };
      const match = typeof body.Message === "string" ? /^ErrorCode:([^;]+);([\s\S]*)$/.exec(body.Message) : null;
      if (match) {
        code = match[1];
        message = match[2].trim();
      }
    } catch {
      // Not the documented body (a proxy's HTML page, say): keep the SDK's message.
    }
  }
  if (status === undefined && typeof e.code === "string") code = e.code;
  return { status, code, message };
}

/** Socket-level failures worth another try: the request may not have reached the hub. */
const TRANSIENT_SOCKET_CODES = new Set(["ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ECONNABORTED", "ESOCKETTIMEDOUT"]);

/** 429 (throttled) and 5xx are retried; so are dropped connections. Every other answer is final. */
export function isRetryable(info: HubErrorInfo): boolean {
  if (info.status !== undefined) return info.status === 429 || (info.status >= 500 && info.status <= 599);
  return info.code !== undefined && TRANSIENT_SOCKET_CODES.has(info.code);
}

/** `409 DeviceAlreadyExists: A device with ID 'x' is already registered.` */
export function describeHubError(info: HubErrorInfo): string {
  const head = [info.status, info.code].filter((p) => p !== undefined).join(" ");
  return head ? `${head}: ${info.message}` : info.message;
}
