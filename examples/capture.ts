/**
 * Capturing callbacks for `suno-callbacks verify` (docs/cli.md): the headers and the raw body are written to files
 * before the middleware sees them; the middleware then uses the body express.raw() read. Capture only while you
 * debug: the files hold the signature headers of a real callback.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import { sunoCallbacks } from '../lib/index.js';

const dir = process.env.CAPTURE_DIR ?? '.';
const suno = sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET });
suno.on('callback', (event) => console.log(`${event.kind} ${event.taskId}`));
suno.on('rejected', (event) => console.log(`refused ${event.status} ${event.error}: suno-callbacks verify --headers headers.json --body body.json`));

const app = express();
app.use('/suno/callback', express.raw({ type: '*/*', limit: '5mb' }), (req, _res, next) => {
  if (Buffer.isBuffer(req.body)) {
    writeFileSync(join(dir, 'headers.json'), JSON.stringify(req.headers));
    writeFileSync(join(dir, 'body.json'), req.body);
  }
  next();
});
app.use(suno);
app.listen(Number(process.env.PORT ?? 3000));
