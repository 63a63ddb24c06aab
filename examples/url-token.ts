/**
 * Recipe: authenticating with a token in the callBackUrl when the account has no webhook HMAC key. Give the provider
 * `https://api.example.com/suno/callback?token=<the token>`. Run: `npx tsx examples/url-token.ts`.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import { sunoCallbacks } from '../lib/index.js';

const token = process.env.SUNO_CALLBACK_TOKEN ?? randomBytes(32).toString('hex');
const port = Number(process.env.PORT ?? 3000);

const suno = sunoCallbacks({ token });
suno.on('callback', (event) => console.log(`${event.kind} ${event.stage} ${event.taskId}`));
suno.on('rejected', (event) => console.log(`refused: ${event.status} ${event.error}`));

express()
  .use(suno)
  .listen(port, () => {
    // Printed only when generated here: a token from the environment is a secret and stays out of logs.
    const shown = process.env.SUNO_CALLBACK_TOKEN === undefined ? token : '<SUNO_CALLBACK_TOKEN>';
    console.log(`callBackUrl: http://localhost:${port}${suno.path}?token=${shown}`);
  });
