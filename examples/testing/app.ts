/**
 * The app under test of docs/testing.md: the middleware built by a function, so a test can create its own with a
 * test secret and a fake database. callbacks.test.ts (run by __tests__/docs-examples.test.ts) tests it.
 */
import express from 'express';
import { sunoCallbacks } from '../../lib/index.js';

export function createApp(secret: string, db: { saveCover(taskId: string, images: string[]): Promise<void> }) {
  const suno = sunoCallbacks({ secret });
  suno.on('cover-ready', (event) => db.saveCover(event.taskId, event.images));
  const app = express();
  app.use(suno);
  return { app, suno };
}
