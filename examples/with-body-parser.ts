/**
 * An app whose other routes take JSON: mount the receiver before express.json(), so the parser's 100 kB default limit
 * never meets a large MIDI callback. Run by examples.test.ts; quoted in docs/compatibility.md.
 */
import express from 'express';
import { sunoCallbacks } from '../lib/index.js';

const suno = sunoCallbacks({ secret: process.env.SUNO_WEBHOOK_SECRET });
suno.on('callback', (event) => console.log(`${event.kind} ${event.stage} ${event.taskId}`));

const app = express();
app.use(suno);              // callbacks: raw body, up to maxBodyBytes (5 MB by default)
app.use(express.json());    // everything else
app.post('/api/songs', (req, res) => res.status(201).json({ received: req.body }));

app.listen(Number(process.env.PORT ?? 3000));
