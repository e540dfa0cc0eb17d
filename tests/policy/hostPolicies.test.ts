import { VM_TYPE, noPasswordLogin } from "../../policy/noPasswordLogin";
import { PUBLIC_IP_TYPE, standardPublicIp } from "../../policy/standardPublicIp";
import { violations } from "./runPolicy";

const linuxVm = (linuxConfiguration: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  vmName: "edge-dev-01",
  osProfile: { computerName: "edge-dev-01", adminUsername: "azureuser", linuxConfiguration, ...extra },
});

describe("no-password-login", () => {
  it("passes a VM with password authentication disabled and keys only", async () => {
    const props = linuxVm({
      disablePasswordAuthentication: true,
      ssh: { publicKeys: [{ path: "/home/azureuser/.ssh/authorized_keys", keyData: "ssh-rsa AAAA" }] },
    });
    expect(await violations(noPasswordLogin, VM_TYPE, props)).toEqual([]);
  });

  it("fails a VM that leaves password authentication on", async () => {
    expect(await violations(noPasswordLogin, VM_TYPE, linuxVm({ disablePasswordAuthentication: false }))).toEqual([
      "osProfile.linuxConfiguration.disablePasswordAuthentication must be true: edge VMs log in with SSH keys only (host.sshPublicKey, or a generated RSA key).",
    ]);
  });

  it("fails a VM with an admin password, even with password authentication off", async () => {
    expect(
      await violations(noPasswordLogin, VM_TYPE, linuxVm({ disablePasswordAuthentication: true }, { adminPassword: "Passw0rd!" })),
    ).toEqual(["osProfile.adminPassword is set: remove it; edge VMs log in with SSH keys only."]);
  });

  it("fails a VM without a Linux configuration (the setting defaults to passwords allowed)", async () => {
    expect(await violations(noPasswordLogin, VM_TYPE, { osProfile: { computerName: "w", adminUsername: "a" } })).toHaveLength(1);
  });

  it("passes a VM attached to an existing OS disk (no osProfile) and ignores other types", async () => {
    expect(await violations(noPasswordLogin, VM_TYPE, { vmName: "x" })).toEqual([]);
    expect(await violations(noPasswordLogin, "azure-native:compute:Disk", linuxVm({ disablePasswordAuthentication: false }))).toEqual([]);
  });
});

describe("standard-public-ip", () => {
  it("passes a Standard static public IP", async () => {
    expect(
      await violations(standardPublicIp, PUBLIC_IP_TYPE, {
        sku: { name: "Standard", tier: "Regional" },
        publicIPAllocationMethod: "Static",
      }),
    ).toEqual([]);
  });

  it("fails a Basic public IP", async () => {
    expect(await violations(standardPublicIp, PUBLIC_IP_TYPE, { sku: { name: "Basic" }, publicIPAllocationMethod: "Dynamic" })).toEqual([
      'sku.name is "Basic": public IPs must use sku.name "Standard" (with publicIPAllocationMethod "Static"); Basic public IPs are retired.',
    ]);
  });

  it("fails a public IP without a SKU (Azure's default is Basic)", async () => {
    expect(await violations(standardPublicIp, PUBLIC_IP_TYPE, { publicIPAllocationMethod: "Static" })).toEqual([
      'sku.name is not set (Azure\'s default is Basic): public IPs must use sku.name "Standard" (with publicIPAllocationMethod "Static"); Basic public IPs are retired.',
    ]);
  });
});
