// The slow cases, run concurrently on hosts of their own: an apt/dpkg lock held for 30 s and an
// sshd that refuses connections for 20 s. Both use the real device scripts and the component's
// connection settings.
import { BOOT_DIAL_ERROR_LIMIT } from "../../components/bootstrap/connection";
import { BootstrapRun, runBootstrap, withBootRetries } from "../hosts/bootstrapOverSsh";
import { dial, RemoteCommandError, runRemoteCommand } from "../hosts/sshRunner";
import { makeDeviceCertificates } from "../hosts/testCertificates";
import { TestHost } from "../hosts/testHost";

jest.setTimeout(90_000);

const RUNTIME = { aziotEdgeVersion: "1.6.0-1", preinstalled: false, agentImage: "mcr.microsoft.com/azureiotedge-agent:1.6" };
// Holds dpkg's frontend lock the way apt does (fcntl F_SETLKW write lock), then sleeps.
const holdDpkgLock = (seconds: number) =>
  `setsid perl -MFcntl -e 'open(my $f, "+<", "/var/lib/dpkg/lock-frontend") or die $!; ` +
  `my $l = pack("s s x4 q q i x4", F_WRLCK, 0, 0, 0, 0); fcntl($f, F_SETLKW, $l) or die $!; $| = 1; print "locked\\n"; sleep ${seconds}' ` +
  `>/var/lib/aziot/lock-holder.out 2>&1 </dev/null & ` +
  `for _ in $(seq 50); do grep -q locked /var/lib/aziot/lock-holder.out 2>/dev/null && exit 0; sleep 0.1; done; exit 1`;

let lockHost: TestHost;
let sshdHost: TestHost;
const runOn = (h: TestHost, extra: Partial<BootstrapRun> = {}): BootstrapRun => ({
  connection: h.connection,
  deviceId: "edge-timed",
  iotHubHostName: "hub.azure-devices.net",
  certificates: makeDeviceCertificates("edge-timed"),
  runtime: RUNTIME,
  ...extra,
});

beforeAll(async () => {
  [lockHost, sshdHost] = await Promise.all([
    TestHost.start({ address: "127.0.5.20", name: "apt-lock" }),
    TestHost.start({ address: "127.0.5.21", name: "sshd-refusal" }),
  ]);
});
afterAll(() => Promise.all([lockHost?.stop(), sshdHost?.stop()]));

test.concurrent("apt lock held for 30 s → the install step waits for it and succeeds; a shorter bound fails clearly", async () => {
  await runRemoteCommand(lockHost.connection, holdDpkgLock(30));
  const heldAt = Date.now();
  const [waited, bounded] = await Promise.all([
    runBootstrap(runOn(lockHost), ["install"]),
    runBootstrap(runOn(lockHost, { timeouts: { aptLockSeconds: 3 } }), ["install"]).catch((e: RemoteCommandError) => e),
  ]);
  const seconds = (Date.now() - heldAt) / 1000;
  expect(seconds).toBeGreaterThanOrEqual(29);
  expect(waited.install!.stdout.trim()).toBe("install: skipped (aziot-edge 1.6.0-1, moby-engine 25.0.5-1 already installed)");
  expect(waited.install!.stderr).toMatch(/edge-bootstrap\[install\]: dpkg lock held by pid \d+ \(perl\); waiting for it \(at most 600s\)\n/);
  expect(waited.install!.stderr).toContain("edge-bootstrap[install]: package manager free again");
  expect((bounded as RemoteCommandError).result?.stderr).toContain(
    "edge-bootstrap[install]: error: the package manager stayed locked for 3s (another apt/dpkg run: cloud-init or unattended-upgrades?)",
  );
});

test.concurrent("sshd refusing for 20 s → the steps' dial retries outlast it; the provider's default limit does not", async () => {
  const { restarted } = await sshdHost.refuseFor(20_000);
  const refusedAt = Date.now();
  const defaultLimit = dial({ ...sshdHost.connection, dialErrorLimit: 10 }).then(
    ({ client }) => (client.end(), "connected"),
    (e: Error) => e.message,
  );
  const r = await runBootstrap(runOn(sshdHost), ["wait"]);
  await restarted;
  expect((Date.now() - refusedAt) / 1000).toBeGreaterThanOrEqual(19.5);
  expect(r.wait!.stdout.trim()).toBe("wait: ready (cloud-init: not present)");
  expect(r.wait!.dials).toBeGreaterThan(10);
  expect(r.wait!.dials).toBeLessThan(BOOT_DIAL_ERROR_LIMIT);
  expect(withBootRetries(sshdHost.connection).dialErrorLimit).toBe(BOOT_DIAL_ERROR_LIMIT);
  expect(await defaultLimit).toMatch(/^could not dial 127\.0\.5\.21:2222 after 11 attempts: connect ECONNREFUSED/);
});
