// Where the region's bundle may send this establishment's probe. The bundle decides which hosts and
// ports the probe connects to from inside the hospital network; the establishment's own file has
// the last word: an optional allow-list of domains, addresses and networks, an optional list of
// ports, and by default no private, loopback or link-local destination unless the file allows it.
// A refused row is left out of the plan and reported (log, metric, status page), never silently.
import { BlockList, isIP } from 'node:net';
import type { Catalog } from './catalog.ts';

export interface DestinationRules {
  /** Domains (`sante-ra.fr`, `*.sante-ra.fr`), addresses and CIDR networks the bundle may name. */
  allow?: string[] | undefined;
  /** Ports (443) and ranges ("10000-20000") the bundle may name. */
  ports?: (number | string)[] | undefined;
  /** Private, loopback, link-local and unique-local addresses without listing them. */
  allow_private: boolean;
}

/** RFC 1918, loopback, link-local, CGNAT, "this network", and their IPv6 counterparts. */
const PRIVATE = new BlockList();
for (const [net, bits] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['127.0.0.0', 8], ['169.254.0.0', 16], ['100.64.0.0', 10], ['0.0.0.0', 8]] as const) PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::1', 128], ['::', 128], ['fc00::', 7], ['fe80::', 10]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

const family = (ip: string): 'ipv4' | 'ipv6' => (isIP(ip) === 6 ? 'ipv6' : 'ipv4');
const DOMAIN = /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/i;

/** Why an allow-list entry is not a domain, address or CIDR network, or undefined. */
export function allowEntryProblem(entry: string): string | undefined {
  const [addr, bits, extra] = entry.split('/');
  if (bits !== undefined) {
    const max = isIP(addr ?? '') === 4 ? 32 : isIP(addr ?? '') === 6 ? 128 : 0;
    if (!max || extra !== undefined || !/^\d+$/.test(bits) || Number(bits) > max) return 'expected a network such as 10.20.0.0/16';
    return undefined;
  }
  return isIP(entry) || DOMAIN.test(entry) ? undefined : 'expected a domain (sante-ra.fr, *.sante-ra.fr), an address or a network';
}

/** A port (443) or a range ("10000-20000", as catalogs and the allow-list write them) as [low, high]. */
function portRange(entry: number | string): [number, number] {
  const parts = String(entry).split('-').map(Number);
  return [parts[0]!, parts.length === 2 ? parts[1]! : parts.length === 1 ? parts[0]! : NaN];
}

/** Why a port entry is not a port or a range a-b, or undefined. */
export function portEntryProblem(entry: number | string): string | undefined {
  const [lo, hi] = portRange(entry);
  const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;
  return ok(lo) && ok(hi) && hi >= lo ? undefined : 'expected a port (443) or a range ("10000-20000")';
}

export class DestinationPolicy {
  private readonly rules: DestinationRules;
  private readonly networks = new BlockList();
  private readonly domains: string[] = [];
  private readonly portRanges: [number, number][] | undefined;

  constructor(rules: DestinationRules) {
    this.rules = rules;
    for (const entry of rules.allow ?? []) {
      const [addr, bits] = entry.split('/');
      if (isIP(addr ?? '')) {
        if (bits === undefined) this.networks.addAddress(addr!, family(addr!));
        else this.networks.addSubnet(addr!, Number(bits), family(addr!));
      } else this.domains.push(entry.toLowerCase());
    }
    this.portRanges = rules.ports?.map(portRange);
  }

  private listed(ip: string): boolean {
    return this.networks.check(ip, family(ip));
  }

  /** A private, loopback or link-local address the file neither allows nor lists. */
  private insideRefused(ip: string): boolean {
    return PRIVATE.check(ip, family(ip)) && !this.rules.allow_private && !this.listed(ip);
  }

  private addressRefusal(ip: string): string | undefined {
    if (this.rules.allow && !this.listed(ip)) return `${ip} is not in destinations.allow`;
    if (this.insideRefused(ip)) return `${ip} is a private, loopback or link-local address (destinations.allow_private or destinations.allow)`;
    return undefined;
  }

  private nameRefusal(host: string): string | undefined {
    const h = host.toLowerCase().replace(/\.$/, '');
    if ((h === 'localhost' || h.endsWith('.localhost')) && !this.rules.allow_private) return `${host} is the probe itself (loopback)`;
    if (!this.rules.allow) return undefined;
    const ok = this.domains.some((d) => (d.startsWith('*.') ? h.endsWith(d.slice(1)) : h === d || h.endsWith(`.${d}`)));
    return ok ? undefined : `${host} is not in destinations.allow`;
  }

  /**
   * Why the probe may not connect to what a bundle's name resolved to: a private, loopback or
   * link-local address the file does not allow (a region's DNS name pointing inside the hospital).
   * Allowed by name, a public address needs no listing.
   */
  resolvedRefusal(host: string, addresses: readonly string[]): string | undefined {
    const inside = addresses.find((ip) => this.insideRefused(ip));
    return inside ? `${host} resolves to ${inside}, a private, loopback or link-local address (destinations.allow_private or destinations.allow)` : undefined;
  }

  /** Why the probe may not open this URL (its host and port, and the documented addresses), or undefined. */
  urlRefusal(url: string, ips: readonly string[] = []): string | undefined {
    const u = new URL(url);
    return this.refusal(u.hostname.replace(/^\[|\]$/g, ''), ips, u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80);
  }

  /** Why the probe may not connect to this host (and its documented addresses) on this port, or undefined. */
  refusal(host: string, ips: readonly string[], port: number | string | undefined): string | undefined {
    const hostProblem = isIP(host) ? this.addressRefusal(host) : this.nameRefusal(host);
    if (hostProblem) return hostProblem;
    for (const ip of ips) {
      // Documented addresses are compared with DNS answers, and some checks connect to them.
      const p = this.addressRefusal(ip);
      if (p) return p;
    }
    if (port !== undefined && this.portRanges) {
      const [lo, hi] = portRange(port);
      const inside = this.portRanges.some(([a, b]) => lo >= a && hi <= b);
      if (!inside) return `port ${port} is not in destinations.ports`;
    }
    return undefined;
  }
}

export interface RefusedDestination {
  platform: string;
  /** host:port/transport or the URL, as the bundle named it. */
  destination: string;
  why: string;
}

/** The bundle's catalogs without the rows the policy refuses, and the refused rows. */
export function applyDestinationPolicy(catalogs: readonly Catalog[], policy: DestinationPolicy): { catalogs: Catalog[]; refused: RefusedDestination[] } {
  const refused: RefusedDestination[] = [];
  const kept = catalogs.map((c) => ({
    ...c,
    flows: c.flows.filter((f) => {
      const why = policy.refusal(f.host, f.ips, f.port);
      if (why) refused.push({ platform: c.platform, destination: `${f.host}:${f.port}/${f.transport}`, why });
      return !why;
    }),
    urls: c.urls.filter((u) => {
      const why = policy.urlRefusal(u.url, u.ips);
      if (why) refused.push({ platform: c.platform, destination: u.url, why });
      return !why;
    }),
  }));
  return { catalogs: kept, refused };
}

/** The region's scenarios whose page or TURN server the policy refuses are left out, and reported. */
export function applyToRegionScenarios(scenarios: unknown, policy: DestinationPolicy): { scenarios: unknown; refused: RefusedDestination[] } {
  if (!Array.isArray(scenarios)) return { scenarios, refused: [] };
  const refused: RefusedDestination[] = [];
  const kept = scenarios.filter((s: unknown) => {
    if (typeof s !== 'object' || s === null) return true;
    const { url, server, platform, port } = s as { url?: unknown; server?: unknown; platform?: unknown; port?: unknown };
    let why: string | undefined;
    if (typeof url === 'string' && URL.canParse(url)) why = policy.urlRefusal(url);
    if (!why && typeof server === 'string') why = policy.refusal(server, [], typeof port === 'number' ? port : undefined);
    if (why) refused.push({ platform: String(platform ?? 'region'), destination: String(url ?? server), why });
    return !why;
  });
  return { scenarios: kept, refused };
}
