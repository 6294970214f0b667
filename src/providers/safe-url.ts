/**
 * Checks URLs that an upstream hands back (image links, redirects) before the gateway fetches
 * them, so a compromised or misbehaving upstream cannot make it reach into the operator's own
 * network (SSRF). The rule: https anywhere public; plain http, or a private,
 * loopback or link-local address, only on the host the provider's configured base URL itself uses
 * (a local ComfyUI, a test fake on 127.0.0.1).
 *
 * Hosts are compared by hostname, not port: the base URL names a machine the operator trusts.
 * Names that resolve to private addresses cannot be caught here (Workers has no DNS API, and
 * Workers' own fetch cannot reach private addresses anyway); only IP literals and `localhost` can.
 * On Node, downloads carry PUBLIC_ADDRESSES_ONLY and the client checks what a name resolves to.
 */

/** Why `url` may not be fetched for a provider whose base URL is `baseUrl`; null when it may. */
export function unsafeUrlReason(url: URL, baseUrl: string | undefined): string | null {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `its scheme ${url.protocol} is not http(s)`
  }
  const host = normalHost(url.hostname)
  if (isBaseHost(url, baseUrl)) return null
  if (isPrivateHost(host)) {
    return `it points at a private, loopback or link-local address (${host}) that the provider's base URL does not use`
  }
  if (url.protocol === 'http:') {
    return `it uses plain http on ${host}, a host other than the provider's base URL`
  }
  return null
}

/**
 * Marks a fetch whose host must resolve to public addresses only: set on `RequestInit` by
 * downloads from any host but the provider's own. Only a runtime that resolves names itself (the
 * Node client) can honour it; other fetches ignore the property.
 */
export const PUBLIC_ADDRESSES_ONLY = 'fluxgatePublicAddressesOnly'

/** True when `url` is on the host of the provider's configured base URL. */
export function isBaseHost(url: URL, baseUrl: string | undefined): boolean {
  const base = baseUrl ? parseUrl(baseUrl) : null
  return base !== null && normalHost(base.hostname) === normalHost(url.hostname)
}

/** Parses and checks `raw`; throws `refuse(reason)` when it may not be fetched. */
export function assertSafeUrl(
  raw: string,
  baseUrl: string | undefined,
  refuse: (reason: string) => Error,
): URL {
  const url = parseUrl(raw)
  if (!url) throw refuse('it is not a valid URL')
  const reason = unsafeUrlReason(url, baseUrl)
  if (reason) throw refuse(reason)
  return url
}

function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw)
  } catch {
    return null
  }
}

/** Lower case, without IPv6 brackets or the root's trailing dot (`localhost.` is `localhost`). */
function normalHost(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
}

/**
 * True for `localhost` names and for IP literals that are not public: private, loopback,
 * link-local, carrier-grade NAT, unspecified, multicast and reserved ranges, in IPv4, IPv6 and
 * IPv4 embedded in IPv6. The WHATWG URL parser has already normalized odd IPv4 spellings
 * (`2130706433`, `0x7f.1`) to dotted decimal, and IPv6 to its compressed form.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = normalHost(hostname)
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  const v4 = parseIpv4(host)
  if (v4) return isPrivateIpv4(v4)
  const v6 = parseIpv6(host)
  return v6 ? isPrivateIpv6(v6) : false
}

function parseIpv4(host: string): number[] | null {
  const parts = host.split('.')
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return null
  const octets = parts.map(Number)
  return octets.every((octet) => octet <= 255) ? octets : null
}

function isPrivateIpv4([a, b]: number[]): boolean {
  if (a === undefined || b === undefined) return true
  return (
    a === 0 || // "this network", 0.0.0.0
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local, cloud metadata endpoints
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) || // IETF protocol assignments (192.0.0.0/24 and 192.0.2.0/24)
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a >= 224 // multicast, reserved, broadcast
  )
}

/** Eight 16-bit groups, or null when `host` is not an IPv6 literal. */
function parseIpv6(host: string): number[] | null {
  if (!host.includes(':')) return null
  let text = host
  const tail: number[] = []
  // A dotted IPv4 tail (`::ffff:1.2.3.4`) counts as two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const v4 = parseIpv4(dotted[2]!)
    if (!v4) return null
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
    text = dotted[1]!.endsWith('::') ? dotted[1]! : dotted[1]!.slice(0, -1)
  }
  const halves = text.split('::')
  if (halves.length > 2) return null
  const groups = (part: string | undefined) => (part ? part.split(':') : [])
  const head = groups(halves[0])
  const rest = groups(halves[1])
  if (![...head, ...rest].every((group) => /^[0-9a-f]{1,4}$/.test(group))) return null
  const missing = 8 - head.length - rest.length - tail.length
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null
  return [
    ...head.map((group) => Number.parseInt(group, 16)),
    ...Array<number>(halves.length === 2 ? missing : 0).fill(0),
    ...rest.map((group) => Number.parseInt(group, 16)),
    ...tail,
  ]
}

function isPrivateIpv6(groups: number[]): boolean {
  const [first = 0] = groups
  const embeddedV4 = () => [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff]
  // ::/96 (unspecified, ::1 loopback, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped).
  if (groups.slice(0, 5).every((group) => group === 0)) {
    if (groups[5] === 0 || groups[5] === 0xffff) return isPrivateIpv4(embeddedV4())
  }
  // 64:ff9b::/96, NAT64: the embedded IPv4 address is what would be reached.
  if (first === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) {
    return isPrivateIpv4(embeddedV4())
  }
  return (
    (first & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (first & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (first & 0xffc0) === 0xfec0 || // fec0::/10 deprecated site-local
    (first & 0xff00) === 0xff00 // ff00::/8 multicast
  )
}
