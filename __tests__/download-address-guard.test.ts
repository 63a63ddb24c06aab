import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { downloadAssets, type DownloadError, type DownloadOutcome, type ResolveHost } from '../lib/download.js';
import { hostAllowed, parseAddressList, addressPolicy, specialRange } from '../lib/download/address-guard.js';
import { bytes, coverEvent, FAST, serve, startAssetServer, tempDir, type AssetServer, type Route } from './helpers/asset-server.js';

// Every network test here talks to 127.0.0.0/8 only. The other ranges are proven on the pure classifier, so a bug in
// the guard can never send a packet to a private network.

describe('specialRange(address)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved or broadcast'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.2.10', 'documentation'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd12:3456::1', 'unique local (ULA)'],
    ['fc00::1', 'unique local (ULA)'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback'],
    ['::ffff:10.1.2.3', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['64:ff9b::c0a8:101', 'NAT64 private'],
    ['2002:7f00:1::1', '6to4 loopback'],
    ['::127.0.0.1', 'IPv4-compatible (deprecated)'],
    ['2001:db8::1', 'documentation'],
    ['not-an-ip', 'not an IP address'],
  ])('%s is %s', (address, range) => {
    expect(specialRange(address)).toBe(range);
  });

  it.each(['8.8.8.8', '93.184.215.14', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    '%s is public',
    (address) => {
      expect(specialRange(address)).toBeUndefined();
    },
  );

  it('an allow-list of addresses and CIDR ranges permits exactly those special addresses (mapped IPv6 included)', () => {
    const policy = addressPolicy(parseAddressList('allowPrivateAddresses', ['127.0.0.2', '10.0.0.0/8']));
    expect(policy.refusal('127.0.0.2')).toBeUndefined();
    expect(policy.refusal('::ffff:127.0.0.2')).toBeUndefined();
    expect(policy.refusal('10.200.1.1')).toBeUndefined();
    expect(policy.refusal('127.0.0.1')).toBe('loopback');
    expect(policy.refusal('192.168.0.1')).toBe('private');
    expect(policy.refusal('8.8.8.8')).toBeUndefined();
    expect(() => parseAddressList('allowPrivateAddresses', ['10.0.0.0/33'])).toThrow(TypeError);
    expect(() => parseAddressList('allowPrivateAddresses', ['example.com'])).toThrow(TypeError);
  });

  it('hostAllowed matches exact names and *. subdomains, case- and trailing-dot-insensitively', () => {
    expect(hostAllowed('cdn.example.com', undefined)).toBe(true);
    expect(hostAllowed('CDN.example.com.', ['cdn.example.com'])).toBe(true);
    expect(hostAllowed('a.b.example.com', ['*.example.com'])).toBe(true);
    expect(hostAllowed('example.com', ['*.example.com'])).toBe(false);
    expect(hostAllowed('evilexample.com', ['*.example.com'])).toBe(false);
    expect(hostAllowed('example.com.evil.net', ['example.com'])).toBe(false);
  });
});

describe('downloadAssets() address checks', () => {
  let folder: Awaited<ReturnType<typeof tempDir>>;
  const servers: AssetServer[] = [];
  const start = async (routes: Record<string, Route>, host?: string): Promise<AssetServer> => {
    const server = await startAssetServer(routes, host);
    servers.push(server);
    return server;
  };
  // The defaults of FAST minus allowPrivateAddresses: what a user gets.
  const { allowPrivateAddresses: _allowed, ...STRICT } = FAST;
  const body = bytes(64);

  beforeEach(async () => {
    folder = await tempDir();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
    await folder.remove();
  });

  function refused(outcomes: DownloadOutcome[]): DownloadError {
    expect(outcomes).toHaveLength(1);
    const outcome = outcomes[0] as DownloadOutcome;
    if (outcome.ok) throw new Error(`expected a refusal, but ${outcome.path} was downloaded`);
    return outcome.error;
  }

  it.each([
    ['an IPv4 loopback literal', (port: number) => `http://127.0.0.1:${port}/a.png`],
    ['an IPv6 loopback literal', (port: number) => `http://[::1]:${port}/a.png`],
    ['an IPv4-mapped IPv6 loopback literal', (port: number) => `http://[::ffff:127.0.0.1]:${port}/a.png`],
    ['a decimal IPv4 loopback', (port: number) => `http://2130706433:${port}/a.png`],
    ['localhost (a name that resolves to loopback)', (port: number) => `http://localhost:${port}/a.png`],
  ])('refuses %s by default, without sending a request', async (_name, link) => {
    const server = await start({ '/a.png': serve(body, 'image/png') });
    const error = refused(await downloadAssets(coverEvent([link(server.port)]), { dir: folder.dir, ...STRICT }));
    expect(error.reason).toBe('address_blocked');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/loopback/);
    expect(server.hits).toHaveLength(0);
    expect(await folder.files()).toEqual([]);
  });

  it('checks the RESOLVED address: a name the resolver maps to loopback is refused, and the socket uses that resolver', async () => {
    const server = await start({ '/a.png': serve(body, 'image/png') });
    const asked: string[] = [];
    const resolveHost: ResolveHost = async (hostname) => {
      asked.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const link = `http://assets.example:${server.port}/a.png`;
    const error = refused(await downloadAssets(coverEvent([link]), { dir: folder.dir, ...STRICT, resolveHost }));
    expect(error.reason).toBe('address_blocked');
    expect(error.message).toContain('assets.example resolves to 127.0.0.1');
    expect(asked).toEqual(['assets.example']);
    expect(server.hits).toHaveLength(0);

    // Allowed, the connection goes to the address the resolver gave: "assets.example" has no real DNS record.
    const outcomes = await downloadAssets(coverEvent([link]), { dir: folder.dir, ...FAST, resolveHost });
    expect(outcomes[0]?.ok).toBe(true);
    expect(server.hits.map((hit) => hit.host)).toEqual([`assets.example:${server.port}`]);
  });

  it('refuses a name when ANY of its addresses is refused, even if another one is allowed', async () => {
    const server = await start({ '/a.png': serve(body, 'image/png') }, '127.0.0.2');
    const resolveHost: ResolveHost = async () => [
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    const link = `http://mixed.example:${server.port}/a.png`;
    const options = { dir: folder.dir, ...STRICT, resolveHost, allowPrivateAddresses: ['127.0.0.2'] };
    const error = refused(await downloadAssets(coverEvent([link]), options));
    expect(error.reason).toBe('address_blocked');
    expect(server.hits).toHaveLength(0);
  });

  it('asks the resolver on every connection, so an answer that changes (DNS rebinding) is checked each time', async () => {
    const allowed = await start({ '/a.png': (_req, res) => res.writeHead(503).end() }, '127.0.0.2');
    const answers = ['127.0.0.2', '127.0.0.1'];
    let calls = 0;
    const resolveHost: ResolveHost = async () => {
      const address = answers[Math.min(calls, answers.length - 1)] ?? '127.0.0.1';
      calls += 1;
      return [{ address, family: 4 }];
    };
    const link = `http://rebind.example:${allowed.port}/a.png`;
    const options = { dir: folder.dir, ...STRICT, resolveHost, allowPrivateAddresses: ['127.0.0.2'] };
    const error = refused(await downloadAssets(coverEvent([link]), options));
    // First connection: 127.0.0.2, allowed, answered 503. The retry resolved to 127.0.0.1 and never connected.
    expect(allowed.hits).toHaveLength(1);
    expect(calls).toBe(2);
    expect(error.reason).toBe('address_blocked');
    expect(error.attempts).toBe(2);
  });

  it.each([
    ['127.0.0.1 literal', (port: number) => `http://127.0.0.1:${port}/secret.png`],
    ['localhost', (port: number) => `http://localhost:${port}/secret.png`],
  ])('refuses a redirect from an allowed server to %s', async (_name, target) => {
    const internal = await start({ '/secret.png': serve(body, 'image/png') });
    const allowed = await start({ '/a.png': (_req, res) => res.writeHead(302, { Location: target(internal.port) }).end() }, '127.0.0.2');
    const options = { dir: folder.dir, ...STRICT, allowPrivateAddresses: ['127.0.0.2'] };
    const error = refused(await downloadAssets(coverEvent([allowed.url('/a.png')]), options));
    expect(error.reason).toBe('address_blocked');
    expect(allowed.hits).toHaveLength(1);
    expect(internal.hits).toHaveLength(0);
    expect(await folder.files()).toEqual([]);
  });

  it('refuses a protocol other than http and https, first link or redirect', async () => {
    const server = await start({ '/a.png': (_req, res) => res.writeHead(302, { Location: 'file:///etc/passwd' }).end() });
    const first = refused(await downloadAssets(coverEvent(['ftp://127.0.0.1/a.png']), { dir: folder.dir, ...FAST }));
    expect(first.reason).toBe('protocol');
    const redirected = refused(await downloadAssets(coverEvent([server.url('/a.png')]), { dir: folder.dir, ...FAST }));
    expect(redirected.reason).toBe('protocol');
    expect(redirected.message).toContain('file');
  });

  it('keeps to allowedHosts, on the first link and on every redirect', async () => {
    const resolveHost: ResolveHost = async () => [{ address: '127.0.0.1', family: 4 }];
    const server = await start({
      '/a.png': serve(body, 'image/png'),
      '/away': (_req, res) => res.writeHead(302, { Location: `http://elsewhere.test:${server.port}/a.png` }).end(),
    });
    const options = { dir: folder.dir, ...FAST, resolveHost, allowedHosts: ['*.example.com'] };
    const ok = await downloadAssets(coverEvent([`http://cdn.example.com:${server.port}/a.png`]), options);
    expect(ok[0]?.ok).toBe(true);
    const notListed = refused(await downloadAssets(coverEvent([server.url('/a.png')]), options));
    expect(notListed.reason).toBe('host_not_allowed');
    const redirected = refused(await downloadAssets(coverEvent([`http://cdn.example.com:${server.port}/away`]), options));
    expect(redirected.reason).toBe('host_not_allowed');
    expect(server.hits.map((hit) => hit.path)).toEqual(['/a.png', '/away']);
  });
});
