/**
 * Recipe: NestJS (Express platform). Two ways to mount the middleware, both runnable:
 *
 * - `bootstrapWithAppUse()`: `app.use(suno)` in bootstrap. The simplest: it runs before Nest's routing and body
 *   parser, is not affected by a global prefix, and answers POST /suno/callback and /suno/callback/:kind.
 * - `bootstrapWithModule()`: `consumer.apply(suno).forRoutes({ path, method })` in a module. Nest then mounts it on
 *   its own routes, so the middleware's `path` must be the route as the request carries it: including the global
 *   prefix, if any. Nest's JSON parser runs first here: raise its limit (100 kB by default) above the largest callback
 *   (MIDI bodies can be megabytes) or those callbacks get Nest's 413.
 *
 * Written without decorators (`Module({...})(Class)` is what `@Module({...})` does), so it runs under tsx and jest
 * without `experimentalDecorators`. Run with `npx tsx examples/nestjs.ts` (NEST_MOUNT=module for the second way).
 */
import 'reflect-metadata';
import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { sunoCallbacks, type SunoCallbacks } from '../lib/index.js';

const secret = process.env.SUNO_WEBHOOK_SECRET ?? 'dev-secret-change-me';

function listenersOf(suno: SunoCallbacks): SunoCallbacks {
  return suno.on('cover-ready', (event) => console.log(`cover ${event.taskId} ${event.images.join(' ')}`));
}

class AppModule {}
Module({})(AppModule);

/** `app.use(suno)` in bootstrap: POST /suno/callback, whatever the global prefix of Nest's own routes. */
export async function bootstrapWithAppUse(): Promise<{ app: NestExpressApplication; suno: SunoCallbacks }> {
  const suno = listenersOf(sunoCallbacks({ secret }));
  const app = await NestFactory.create<NestExpressApplication>(AppModule, new ExpressAdapter(), { logger: false });
  app.setGlobalPrefix('api');
  app.use(suno);
  return { app, suno };
}

/**
 * `forRoutes({ path, method })` in a module, under the global prefix `api`: callbacks arrive on
 * POST /api/suno/callback and /api/suno/callback/:kind.
 */
export async function bootstrapWithModule(): Promise<{ app: NestExpressApplication; suno: SunoCallbacks }> {
  // The route as requests carry it, global prefix included.
  const suno = listenersOf(sunoCallbacks({ secret, path: '/api/suno/callback' }));

  class CallbacksModule implements NestModule {
    configure(consumer: MiddlewareConsumer): void {
      consumer
        .apply(suno)
        .forRoutes(
          { path: 'suno/callback', method: RequestMethod.POST },
          { path: 'suno/callback/:kind', method: RequestMethod.POST },
        );
    }
  }
  Module({})(CallbacksModule);

  const app = await NestFactory.create<NestExpressApplication>(CallbacksModule, new ExpressAdapter(), { logger: false });
  app.setGlobalPrefix('api');
  // Nest's JSON parser reads the body before the middleware: give it the middleware's own limit (maxBodyBytes).
  app.useBodyParser('json', { limit: '5mb' });
  return { app, suno };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { app, suno } = await (process.env.NEST_MOUNT === 'module' ? bootstrapWithModule() : bootstrapWithAppUse());
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port);
  console.log(`NestJS listening on http://localhost:${port}${suno.path}`);
  // Nest does not know the middleware holds work in flight: let running listeners finish before exiting.
  process.once('SIGTERM', () => void app.close().then(() => suno.close()));
}
