/** Parent side of the server children: start one per kind, talk to it over IPC, stop it. */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ServerKind, ServerStats } from './apps.js';
import { compiled } from './build.js';
import type { ChildMessage, ParentMessage } from './server.js';

export interface RunningServer {
  kind: ServerKind;
  port: number;
  url: string;
  child: ChildProcess;
  /** Resolves with the next message of `type` from the child. */
  next<T extends ChildMessage['type']>(type: T, timeoutMs?: number): Promise<Extract<ChildMessage, { type: T }>>;
  send(message: ParentMessage): void;
  /** Stops the child and resolves with what it counted (refusals, errors). */
  stop(): Promise<ServerStats>;
}

/**
 * Forks the compiled `bench/server.js <kind>` (see build.ts) with `nodeFlags`, the same for every server so the
 * figures compare, and resolves once it listens. `entry` points at another checkout's compiled server, to compare
 * two versions side by side.
 */
export async function startServer(
  kind: ServerKind,
  nodeFlags: readonly string[],
  entry: string = compiled('bench/server.ts'),
): Promise<RunningServer> {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: call buildForBench() first`);
  const child = fork(entry, [kind], {
    execArgv: [...nodeFlags],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: Array<{ type: string; resolve: (message: ChildMessage) => void }> = [];
  const early: ChildMessage[] = [];
  child.on('message', (message: ChildMessage) => {
    const index = waiting.findIndex((waiter) => waiter.type === message.type);
    if (index === -1) {
      early.push(message);
      return;
    }
    const [waiter] = waiting.splice(index, 1);
    waiter?.resolve(message);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const next = <T extends ChildMessage['type']>(type: T, timeoutMs = 30_000): Promise<Extract<ChildMessage, { type: T }>> => {
    const queued = early.findIndex((message) => message.type === type);
    if (queued !== -1) return Promise.resolve(early.splice(queued, 1)[0] as Extract<ChildMessage, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`server ${kind}: no "${type}" message within ${timeoutMs} ms`));
      }, timeoutMs);
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        reject(new Error(`server ${kind} exited (code ${String(code)}) while waiting for "${type}"`));
      };
      child.once('exit', onExit);
      waiting.push({
        type,
        resolve: (message) => {
          clearTimeout(timer);
          child.off('exit', onExit);
          resolve(message as Extract<ChildMessage, { type: T }>);
        },
      });
    });
  };

  const { port } = await next('ready');
  return {
    kind,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    next,
    send: (message) => child.send(message),
    stop: async () => {
      if (exited) throw new Error(`server ${kind} had already exited`);
      const stopped = next('stopped');
      const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' } satisfies ParentMessage);
      const { stats } = await stopped;
      await exit;
      return stats as unknown as ServerStats;
    },
  };
}
