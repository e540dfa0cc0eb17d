// No SSH open to the internet: an inbound Allow rule that reaches TCP port 22 from everywhere.
import { isWholeInternet } from "../components/config/wholeInternet";
import { type Props, oneAndMany, sameWord } from "./inputs";
import { mandatoryPolicy } from "./mandatoryPolicy";

export const NSG_TYPE = "azure-native:network:NetworkSecurityGroup";
export const RULE_TYPE = "azure-native:network:SecurityRule";

/** True when a destination port range (`*`, `22`, `20-25`) includes `port`. */
export function portRangeIncludes(range: string, port: number): boolean {
  const text = range.trim();
  if (text === "*") return true;
  const bounds = /^(\d+)\s*-\s*(\d+)$/.exec(text);
  if (bounds) return Number(bounds[1]) <= port && port <= Number(bounds[2]);
  return /^\d+$/.test(text) && Number(text) === port;
}

/** Protocols that can carry SSH (TCP); a rule without a protocol is treated as any. */
function carriesTcp(protocol: unknown): boolean {
  return protocol === undefined || sameWord(protocol, "Tcp") || sameWord(protocol, "*");
}

/** The problem with one security rule (flat azure-native SecurityRule inputs), or undefined. */
export function sshRuleProblem(rule: Props, where: string): string | undefined {
  if (!sameWord(rule.direction, "Inbound") || !sameWord(rule.access, "Allow") || !carriesTcp(rule.protocol)) return undefined;
  const ports = oneAndMany(rule.destinationPortRange, rule.destinationPortRanges);
  if (!ports.some((range) => portRangeIncludes(range, 22))) return undefined;
  const open = oneAndMany(rule.sourceAddressPrefix, rule.sourceAddressPrefixes).filter(isWholeInternet);
  if (open.length === 0) return undefined;
  return (
    `${where} allows inbound SSH (port 22) from ${open.map((s) => JSON.stringify(s)).join(", ")}, i.e. the whole internet. ` +
    `List the networks that need SSH (host.sshSourceRanges / defaults.azureVm.sshSourceRanges), or set publicIp: false and run Pulumi inside the network.`
  );
}

/** Every SSH-from-internet problem of a resource. Pure. */
export function sshFromInternetProblems(type: string, props: Props): string[] {
  if (type === RULE_TYPE) {
    const problem = sshRuleProblem(props, `security rule ${JSON.stringify(props.securityRuleName ?? props.name ?? "")}`);
    return problem ? [problem] : [];
  }
  if (type !== NSG_TYPE || !Array.isArray(props.securityRules)) return [];
  const problems: string[] = [];
  props.securityRules.forEach((rule: Props, i: number) => {
    const problem = sshRuleProblem(rule, `securityRules[${i}] (${JSON.stringify(rule.name ?? "")})`);
    if (problem) problems.push(problem);
  });
  return problems;
}

export const noSshFromInternet = mandatoryPolicy(
  "no-ssh-from-internet",
  "Network security rules must not allow SSH (port 22) from the whole internet.",
  (args) => sshFromInternetProblems(args.type, args.props),
);
