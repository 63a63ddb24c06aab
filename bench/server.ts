/**
 * Child-process entry: `node --import tsx bench/server.ts <kind>`. Serves one app on a free loopback port, tells the
 * parent the port over IPC, and on request measures its own event-loop blocking or stops (writing its stats; with
 * `--cpu-prof`, Node writes the profile on this orderly exit).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { buildApp, isServerKind } from './apps.js';

export type ParentMessage = { type: 'stop' } | { type: 'loop-start' } | { type: 'loop-read' } | { type: 'cpu' };

export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'loop'; maxMs: number; meanMs: number }
  | { type: 'cpu'; micros: number }
  | { type: 'stopped'; stats: Record<string, number> }
  | { type: 'midi-ready'; taskId: string; notes: number };

function send(message: ChildMessage | Record<string, unknown>): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  if (!isServerKind(kind)) throw new Error(`unknown server kind "${String(kind)}"`);
  const built = await buildApp(kind, { notify: send });
  const server: Server = await new Promise((resolve) => {
    const listening = built.app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  let monitor: IntervalHistogram | undefined;

  process.on('message', (message: ParentMessage) => {
    switch (message.type) {
      case 'loop-start':
        monitor?.disable();
        // A 1 ms timer: a block of N ms shows up as one sample of about N ms.
        monitor = monitorEventLoopDelay({ resolution: 1 });
        monitor.enable();
        break;
      case 'loop-read':
        if (monitor === undefined) throw new Error('loop-read before loop-start');
        monitor.disable();
        send({ type: 'loop', maxMs: monitor.max / 1e6, meanMs: monitor.mean / 1e6 });
        monitor = undefined;
        break;
      case 'cpu': {
        const usage = process.cpuUsage();
        send({ type: 'cpu', micros: usage.user + usage.system });
        break;
      }
      case 'stop':
        server.closeAllConnections();
        server.close();
        built
          .close()
          .catch((error: unknown) => console.error(`[bench ${kind}] close failed`, error))
          .finally(() => {
            send({ type: 'stopped', stats: { ...built.stats() } });
            // Leave time for the IPC message to flush before exiting.
            setTimeout(() => process.exit(0), 50);
          });
        break;
    }
  });
  // The parent went away (crashed or interrupted): nobody will ever send 'stop'.
  process.once('disconnect', () => process.exit(1));
  send({ type: 'ready', port: (server.address() as AddressInfo).port });
}

main().catch((error: unknown) => {
  console.error('[bench server] failed to start', error);
  process.exit(1);
});
