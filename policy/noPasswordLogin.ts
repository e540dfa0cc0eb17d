// No password authentication on VMs: Linux with SSH keys only, no admin password.
import { type Props, at } from "./inputs";
import { mandatoryPolicy } from "./mandatoryPolicy";

export const VM_TYPE = "azure-native:compute:VirtualMachine";

/** Every password-login problem of a resource. Pure. */
export function passwordLoginProblems(type: string, props: Props): string[] {
  if (type !== VM_TYPE) return [];
  const osProfile = at(props, "osProfile");
  // A VM attached to an existing OS disk has no osProfile: nothing to log in with is set here.
  if (osProfile === undefined) return [];
  const problems: string[] = [];
  if (at(props, "osProfile", "linuxConfiguration", "disablePasswordAuthentication") !== true) {
    problems.push(
      "osProfile.linuxConfiguration.disablePasswordAuthentication must be true: edge VMs log in with SSH keys only (host.sshPublicKey, or a generated RSA key).",
    );
  }
  const password = at(props, "osProfile", "adminPassword");
  if (password !== undefined && password !== null && password !== "") {
    problems.push("osProfile.adminPassword is set: remove it; edge VMs log in with SSH keys only.");
  }
  return problems;
}

export const noPasswordLogin = mandatoryPolicy(
  "no-password-login",
  "Virtual machines must disable password authentication and set no admin password.",
  (args) => passwordLoginProblems(args.type, args.props),
);
