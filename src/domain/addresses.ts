/**
 * The key a client address is counted by: an IPv4 address as it is (also
 * when written IPv4-mapped, ::ffff:a.b.c.d), an IPv6 address by its /64, the
 * block one subscriber gets, so a client can't dodge a limit by rotating
 * through its own addresses. Anything unreadable is counted as itself.
 */
export function addressKey(address: string | undefined): string {
  if (!address) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(":")) return address;
  const hextets = expandIpv6(address.replace(/%.*$/, ""));
  return hextets ? `${hextets.slice(0, 4).join(":")}::/64` : address;
}

function expandIpv6(address: string): string[] | undefined {
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined) => (part ? part.split(":") : []);
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => "0"), ...tail];
  if (!all.every((hextet) => /^[0-9a-f]{1,4}$/i.test(hextet))) return undefined;
  return all.map((hextet) => Number.parseInt(hextet, 16).toString(16));
}
