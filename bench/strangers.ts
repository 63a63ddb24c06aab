/**
 * `npm run bench:strangers`: what unauthenticated senders can make the server hold. 250 connections each declare a
 * 5 MiB body, send half of it, and wait; the figure is the server's RSS growth while they wait, once with no
 * signature headers (refused before the body) and once with well-formed but wrong ones (read within the shared
 * budget of unverified bytes). Then 50 senders of an over-long body: how many read their 413. Prints the figures
 * with the commit they were measured on.
 */
import { execSync, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import express from 'express';
import { sunoCallbacks } from '../lib/index.js';
import { signatureHeaders } from '../lib/signature.js';

const SENDERS = Number(process.env.SENDERS ?? 250);
const DECLARED = 5 * 1024 * 1024;
const SENT = DECLARED / 2;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function rssMB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 1024 / 1024;
}

/** The server runs in its own process, so that its RSS is its own and not the senders'. */
async function serveInChild(): Promise<void> {
  const { port } = await server();
  process.on('message', (message: string) => {
    if (message === 'rss') process.send?.({ rss: rssMB() });
  });
  process.send?.({ port });
}

function ask(child: ChildProcess): Promise<number> {
  child.send('rss');
  return once(child, 'message').then(([reply]) => (reply as { rss: number }).rss);
}

async function server() {
  const suno = sunoCallbacks({ secret: 'bench-secret', logger: quiet });
  const listening = express().use(suno).listen(0, '127.0.0.1');
  await once(listening, 'listening');
  return { suno, listening, port: (listening.address() as AddressInfo).port };
}

async function holdHalfSent(child: ChildProcess, port: number, headers: Record<string, string>): Promise<{ rssGrowthMB: number; answered: number }> {
  const before = await ask(child);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const sockets: Socket[] = [];
  let answered = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => (answered += 1));
      await once(socket, 'connect');
      const head = Object.entries({ 'Content-Type': 'application/json', 'Content-Length': String(DECLARED), ...headers })
        .map(([name, value]) => `${name}: ${value}`)
        .join('\r\n');
      socket.write(`POST /suno/callback HTTP/1.1\r\nHost: bench\r\n${head}\r\n\r\n`);
      for (let sent = 0; sent < SENT && !socket.destroyed; sent += chunk.length) {
        if (!socket.write(chunk)) await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
      }
    }),
  );
  // Answers sent while the writes went on are read after them: wait until no more arrive.
  for (let last = -1; last !== answered; ) {
    last = answered;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const after = await ask(child);
  for (const socket of sockets) socket.destroy();
  return { rssGrowthMB: after - before, answered };
}

async function tooLargeShare(port: number): Promise<number> {
  const body = Buffer.alloc(6 * 1024 * 1024, 0x20);
  const headers = { ...signatureHeaders('bench-secret', 'large'), 'Content-Type': 'application/json', 'Content-Length': String(body.length) };
  const statuses = await Promise.all(
    Array.from(
      { length: 50 },
      () =>
        new Promise<number>((resolve) => {
          const outgoing = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/suno/callback', headers }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          });
          outgoing.on('error', () => resolve(0));
          outgoing.end(body);
        }),
    ),
  );
  return statuses.filter((status) => status === 413).length;
}

async function main(): Promise<void> {
  const commit = execSync('git rev-parse --short HEAD').toString().trim();
  const child = fork(new URL(import.meta.url).pathname, ['--server'], { execArgv: ['--expose-gc', '--import', 'tsx'] });
  const [{ port }] = (await once(child, 'message')) as [{ port: number }];
  const unsigned = await holdHalfSent(child, port, {});
  const bogus = await holdHalfSent(child, port, {
    'X-Webhook-Timestamp': String(Math.floor(Date.now() / 1000)),
    'X-Webhook-Signature': `${'A'.repeat(43)}=`,
  });
  const share = await tooLargeShare(port);
  console.log(`commit ${commit}, Node ${process.version}`);
  console.log(`${SENDERS} senders holding half-sent 5 MiB bodies, no signature headers: RSS +${unsigned.rssGrowthMB.toFixed(1)} MB, answered before the body: ${unsigned.answered}`);
  console.log(`${SENDERS} senders holding half-sent 5 MiB bodies, well-formed wrong signatures: RSS +${bogus.rssGrowthMB.toFixed(1)} MB (budget: 4 x maxBodyBytes), answered 503: ${bogus.answered}`);
  console.log(`413 read by ${share} of 50 senders of a 6 MiB body`);
  const met = unsigned.rssGrowthMB < 50 && bogus.rssGrowthMB < 50 && share === 50;
  console.log(met ? 'targets met (RSS growth < 50 MB, 50 of 50 413s)' : 'TARGET MISSED');
  child.kill();
  process.exitCode = met ? 0 : 1;
}

if (process.argv.includes('--server')) await serveInChild();
else await main();
