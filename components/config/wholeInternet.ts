// Every way an NSG rule's source can say "the whole internet": the wildcard, Azure's service tags,
// the IPv4/IPv6 default routes and the bare unspecified addresses. Pure. One list for the settings
// check (networkRules.ts) and the no-ssh-from-internet policy (policy/sshFromInternet.ts).
const WHOLE_INTERNET = new Set(["*", "any", "internet", "0.0.0.0/0", "0.0.0.0", "::/0", "::"]);

/** True when a source range admits any address on the internet. */
export function isWholeInternet(range: string): boolean {
  return WHOLE_INTERNET.has(range.trim().toLowerCase());
}
