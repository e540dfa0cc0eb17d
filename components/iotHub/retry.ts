// Bounded exponential backoff with full jitter for IoT Hub (and DPS) calls. The `azure-iothub` SDK does not
// retry, and the hub throttles registry operations (100/min per S1 unit), so every call the
// providers make goes through here.
import { describeHubError, type HubErrorInfo, hubErrorOf, isRetryable } from "./hubErrors";

/** The service being called: how its final error begins, and how to read its error answers. */
export interface RetriedService {
  readonly refusedPrefix: string;
  readonly errorOf: (error: unknown) => HubErrorInfo;
}

export const IOT_HUB_SERVICE: RetriedService = { refusedPrefix: "IoT Hub refused ", errorOf: hubErrorOf };

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** The backoff cap before jitter for attempt n is min(maxDelayMs, baseDelayMs * 2^(n-1)). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** About a minute of patience in the worst case: enough for a throttling window to pass. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 16_000 };

export interface RetryOutcome<T> {
  readonly value: T;
  readonly attempts: number;
}

/** Thrown when the hub refused for good; the message quotes the hub's status and error code. */
export class HubRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly attempts: number,
  ) {
    super(message);
    this.name = "HubRequestError";
  }
}

/** The full-jitter delay before attempt `attempt + 1`: uniform in [0, cap]. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

/**
 * Runs `op` until it succeeds, fails with an answer that is not worth repeating, or runs out of
 * attempts. `what` names the operation for the final error ("creating device 'd1' on hub h").
 */
export async function withRetry<T>(
  what: string,
  op: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  onRetry?: (attempt: number, delayMs: number) => void,
  service: RetriedService = IOT_HUB_SERVICE,
): Promise<RetryOutcome<T>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await op(attempt), attempts: attempt };
    } catch (error) {
      if (error instanceof HubRequestError) throw error;
      const info = service.errorOf(error);
      const retryable = isRetryable(info);
      if (!retryable || attempt >= policy.maxAttempts) {
        const tail = retryable ? ` (gave up after ${attempt} attempts)` : "";
        throw new HubRequestError(`${service.refusedPrefix}${what}: ${describeHubError(info)}${tail}`, info.status, info.code, attempt);
      }
      const delay = backoffDelayMs(policy, attempt);
      onRetry?.(attempt, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * `withRetry`, where the service's 404 ends it with `undefined`: what is asked for is not there,
 * which a delete wants and a read reports. Every other refusal fails as `withRetry` fails;
 * `service.errorOf` reads the status.
 */
export async function withRetryUnlessNotFound<T>(
  what: string,
  op: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  service: RetriedService = IOT_HUB_SERVICE,
): Promise<T | undefined> {
  const outcome = await withRetry(
    what,
    async () => {
      try {
        return await op();
      } catch (error) {
        if (service.errorOf(error).status === 404) return undefined;
        throw error;
      }
    },
    policy,
    undefined,
    service,
  );
  return outcome.value;
}

/** How a create tells, after a lost answer, whether the conflicting item is its own first attempt. */
export interface LostAnswerCheck<T> {
  /** The service's answer that the item exists (its status or error code). */
  readonly isConflict: (error: HubErrorInfo) => boolean;
  readonly readExisting: () => Promise<T>;
  /** The existing item is exactly as wanted. */
  readonly isOurs: (existing: T) => boolean;
}

/**
 * `withRetry` for a create. After a lost answer (5xx, dropped connection) the first attempt may have
 * been stored, so from the second attempt on a conflict over an item exactly as wanted is that item,
 * created by this stack, not someone else's. Every other refusal fails as `withRetry` fails.
 */
export async function createWithRetry<T>(
  what: string,
  create: () => Promise<T>,
  lostAnswer: LostAnswerCheck<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  service: RetriedService = IOT_HUB_SERVICE,
): Promise<T> {
  const outcome = await withRetry(
    what,
    async (attempt) => {
      try {
        return await create();
      } catch (error) {
        if (attempt > 1 && lostAnswer.isConflict(service.errorOf(error))) {
          const existing = await lostAnswer.readExisting();
          if (lostAnswer.isOurs(existing)) return existing;
        }
        throw error;
      }
    },
    policy,
    undefined,
    service,
  );
  return outcome.value;
}
