// `npm start` keeps the lab's files under this machine's ~/.cache, but a test host mounts a private,
// empty home over this machine's (lab/hosts/testHost.ts): the edge-runtime simulator must read the
// hub's and DPS's CAs from files the host can see, or it never reaches the hub. Lab services on a
// folder inside the login user's home, as `npm start` has it; the host reads the CA files the
// simulator's wrapper names. Needs root (mount namespaces, port 443), openssh-server, openssl.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { LabServices, labDevices } from "../../lab/drivers/labServices";
import { runRemoteCommand } from "../../lab/hosts/sshRunner";

jest.setTimeout(120_000);

const DEVICE = "trust-01";
const dir = mkdtempSync(join(userInfo().homedir, ".edge-lab-trust-"));
let lab: LabServices;

beforeAll(async () => {
  lab = await LabServices.start({
    dir,
    hubAddress: "127.0.10.41",
    vaultAddress: "127.0.10.42",
    devices: labDevices([DEVICE], "127.0.10.45").map((d) => ({ ...d, authentication: "certificateAuthority" as const })),
    dps: { address: "127.0.10.40", idScope: "0ne0000c003" },
  });
});

afterAll(async () => {
  await lab?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the simulator on a host reads the hub's and DPS's CAs, though the lab's folder is in a home the host cannot see", async () => {
  const host = lab.hosts.get(DEVICE)!;
  const wrapper = readFileSync(host.path("/usr/local/sbin/iotedge"), "utf8");
  const caFiles = [...wrapper.matchAll(/^export EDGE_SIMULATOR_(?:HUB|DPS)_CA='([^']+)'$/gm)].map((m) => m[1]);
  expect(caFiles).toHaveLength(2);
  for (const file of caFiles) {
    const read = await runRemoteCommand(host.connection, `cat '${file}' 2>/dev/null || echo unreadable`);
    expect({ file, pem: read.stdout.startsWith("-----BEGIN CERTIFICATE-----") }).toEqual({ file, pem: true });
  }
  // The lab's own folder is hidden on the host (the reason for the copies).
  expect((await runRemoteCommand(host.connection, `test -e '${dir}' && echo visible || echo hidden`)).stdout.trim()).toBe("hidden");
});
