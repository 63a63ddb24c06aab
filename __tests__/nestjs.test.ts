/**
 * examples/nestjs.ts under real NestJS 12 (Express platform), through supertest: both ways of mounting, the global
 * prefix, the kind route, Nest's body parser limit, and the mount warnings a wrong `path` produces.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import 'reflect-metadata';
import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { memoryLogger, signed } from './helpers/app.js';
import { fixture } from './helpers/fixtures.js';
import { bootstrapWithAppUse, bootstrapWithModule } from '../examples/nestjs.js';
import { sunoCallbacks, type CoverReadyEvent, type SunoCallbacks } from '../lib/index.js';

const SECRET = 'dev-secret-change-me';
const opened: Array<{ app: NestExpressApplication; suno: SunoCallbacks }> = [];

afterEach(async () => {
  for (const { app, suno } of opened.splice(0)) {
    await app.close();
    await suno.close();
  }
});

async function started(bootstrap: () => Promise<{ app: NestExpressApplication; suno: SunoCallbacks }>) {
  const made = await bootstrap();
  opened.push(made);
  await made.app.init();
  const covers: CoverReadyEvent[] = [];
  made.suno.on('cover-ready', (event) => void covers.push(event));
  return { ...made, server: made.app.getHttpServer(), covers };
}

function cover(taskId: string, padding = 0) {
  const body = fixture('cover.success.json');
  body.data.taskId = taskId;
  // Bodies larger than Nest's default parser limit (100 kB), as MIDI callbacks are.
  if (padding > 0) body.data.note = 'x'.repeat(padding);
  return body;
}

function deliver(server: Parameters<typeof request>[0], path: string, body: Record<string, unknown>) {
  return request(server).post(path).set(signed(body, { secret: SECRET })).set('Content-Type', 'application/json').send(JSON.stringify(body));
}

describe('NestJS: app.use(suno) in bootstrap', () => {
  it('answers /suno/callback and /suno/callback/:kind, outside the global prefix, and reads bodies over 100 kB', async () => {
    const { server, covers } = await started(bootstrapWithAppUse);
    expect((await deliver(server, '/suno/callback', cover('nest-use-1'))).body).toEqual({ status: 'received' });
    expect((await deliver(server, '/suno/callback/cover', cover('nest-use-2'))).body).toEqual({ status: 'received' });
    expect((await deliver(server, '/suno/callback', cover('nest-use-3', 300_000))).body).toEqual({ status: 'received' });
    // The global prefix applies to Nest's own routes only.
    expect((await deliver(server, '/api/suno/callback', cover('nest-use-4'))).status).toBe(404);
    expect(covers.map((event) => event.taskId)).toEqual(['nest-use-1', 'nest-use-2', 'nest-use-3']);
  });
});

describe('NestJS: forRoutes({ path, method }) in a module, under a global prefix', () => {
  it('answers /api/suno/callback and its :kind route, with the body parser limit raised', async () => {
    const { server, covers } = await started(bootstrapWithModule);
    expect((await deliver(server, '/api/suno/callback', cover('nest-mod-1'))).body).toEqual({ status: 'received' });
    expect((await deliver(server, '/api/suno/callback/cover', cover('nest-mod-2'))).body).toEqual({ status: 'received' });
    expect((await deliver(server, '/api/suno/callback', cover('nest-mod-3', 300_000))).body).toEqual({ status: 'received' });
    expect(covers.map((event) => event.taskId)).toEqual(['nest-mod-1', 'nest-mod-2', 'nest-mod-3']);
  });
});

describe('NestJS: a mount that hides the path is reported', () => {
  async function withModule(configure: (consumer: MiddlewareConsumer, suno: SunoCallbacks) => void, prefix?: string) {
    const logger = memoryLogger();
    const suno = sunoCallbacks({ secret: SECRET, logger });
    class HiddenModule implements NestModule {
      configure(consumer: MiddlewareConsumer): void {
        configure(consumer, suno);
      }
    }
    Module({})(HiddenModule);
    const app = await NestFactory.create<NestExpressApplication>(HiddenModule, new ExpressAdapter(), { logger: false });
    if (prefix !== undefined) app.setGlobalPrefix(prefix);
    opened.push({ app, suno });
    await app.init();
    return { server: app.getHttpServer(), logger };
  }

  it("forRoutes('suno/callback') mounts below the path: the warning names `path: '/'`", async () => {
    const { server, logger } = await withModule((consumer, suno) => consumer.apply(suno).forRoutes('suno/callback'));
    expect((await deliver(server, '/suno/callback', cover('nest-hidden-1'))).status).toBe(404);
    expect(logger.lines.filter(([level]) => level === 'warn').map(([, line]) => line)).toEqual([
      expect.stringMatching(/mounted at \/suno\/callback .*`path: '\/'`/),
    ]);
  });

  it("a global prefix in front of forRoutes: the warning names `path: '/api/suno/callback'`", async () => {
    const { server, logger } = await withModule(
      (consumer, suno) => consumer.apply(suno).forRoutes({ path: 'suno/callback', method: 1 }),
      'api',
    );
    expect((await deliver(server, '/api/suno/callback', cover('nest-hidden-2'))).status).toBe(404);
    expect(logger.lines.filter(([level]) => level === 'warn').map(([, line]) => line)).toEqual([
      expect.stringMatching(/`path: '\/api\/suno\/callback'`/),
    ]);
  });
});
