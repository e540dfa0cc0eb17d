// Runs a command on a host over SSH the way @pulumi/command's remote.Command does: dial with the
// provider's retry schedule (dialErrorLimit failed dials, waiting 0.1 s after the first and 1.5×
// longer after each next one, at most 5 s; each dial bounded by perDialTimeout), verify the host
// key when one is given, send stdin, and fail on a non-zero exit with the output, like the provider.
import { Client } from "ssh2";

export interface RunConnection {
  readonly host: string;
  readonly port?: number;
  readonly user?: string;
  readonly privateKey: string;
  readonly hostKey?: string;
  readonly dialErrorLimit?: number;
  readonly perDialTimeout?: number;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
  /** Dials it took to connect (1 when the first one worked). */
  readonly dials: number;
  readonly seconds: number;
}

export class RemoteCommandError extends Error {
  constructor(
    message: string,
    readonly result?: RunResult,
  ) {
    super(message);
  }
}

function dialOnce(conn: RunConnection): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const expected = conn.hostKey ? Buffer.from(conn.hostKey.trim().split(/\s+/)[1] ?? "", "base64") : undefined;
    client.once("ready", () => resolve(client));
    client.once("error", (e) => {
      client.end();
      reject(e);
    });
    client.connect({
      host: conn.host,
      port: conn.port ?? 22,
      username: conn.user ?? "root",
      privateKey: conn.privateKey,
      readyTimeout: (conn.perDialTimeout ?? 15) * 1000 || 2 ** 31 - 1,
      ...(expected ? { hostVerifier: (key: Buffer) => key.equals(expected) } : {}),
    });
  });
}

export async function dial(conn: RunConnection): Promise<{ client: Client; dials: number }> {
  const limit = conn.dialErrorLimit ?? 10;
  let delayMs = 100;
  for (let dials = 1; ; dials++) {
    try {
      return { client: await dialOnce(conn), dials };
    } catch (e) {
      if (limit > -1 && dials > limit)
        throw new RemoteCommandError(`could not dial ${conn.host}:${conn.port ?? 22} after ${dials} attempts: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, delayMs));
      delayMs = Math.min(delayMs * 1.5, 5000);
    }
  }
}

/** Runs `command` and resolves with its output; rejects with RemoteCommandError on a non-zero exit. */
export async function runRemoteCommand(conn: RunConnection, command: string, options: { stdin?: string } = {}): Promise<RunResult> {
  const started = Date.now();
  const { client, dials } = await dial(conn);
  try {
    const result = await new Promise<RunResult>((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err) return reject(err);
        let stdout = "";
        let stderr = "";
        stream.on("data", (d: Buffer) => (stdout += d.toString()));
        stream.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        stream.on("close", (code: number | null) =>
          resolve({ stdout, stderr, code: code ?? -1, dials, seconds: (Date.now() - started) / 1000 }),
        );
        stream.end(options.stdin ?? "");
      });
    });
    if (result.code !== 0) {
      throw new RemoteCommandError(`Process exited with status ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`, result);
    }
    return result;
  } finally {
    client.end();
  }
}
