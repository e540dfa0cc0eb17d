// The cloud-config that gives a new VM the SSH host key the stack generated, so the bootstrap can
// pin it (connection.hostKey) from the very first connection. Pure.
// cloud-init's cc_ssh module (cloudinit/config/cc_ssh.py): `ssh_deletekeys` (default true) removes the
// image's /etc/ssh/ssh_host_*key*; `ssh_keys.ed25519_private`/`ed25519_public` are written to
// /etc/ssh/ssh_host_ed25519_key(.pub); when `ssh_keys` is given, no other host key is generated.
import { stringify } from "yaml";

/** Azure's osProfile.customData: the cloud-config, base64 encoded (Compute REST API, OSProfile.customData). */
export function hostKeyCustomData(privateKeyOpenssh: string, publicKeyOpenssh: string): string {
  return Buffer.from(hostKeyCloudConfig(privateKeyOpenssh, publicKeyOpenssh), "utf8").toString("base64");
}

export function hostKeyCloudConfig(privateKeyOpenssh: string, publicKeyOpenssh: string): string {
  const config = {
    ssh_deletekeys: true,
    ssh_keys: {
      ed25519_private: privateKeyOpenssh.endsWith("\n") ? privateKeyOpenssh : `${privateKeyOpenssh}\n`,
      ed25519_public: publicKeyOpenssh.trim(),
    },
  };
  return `#cloud-config\n${stringify(config)}`;
}
