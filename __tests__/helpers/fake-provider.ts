/**
 * A fake of the provider's details endpoints on 127.0.0.1, answering as docs.sunoapi.org / docs.kie.ai show. It
 * checks the Bearer key like the real API (a wrong or missing key gets the documented 401 answer) and records every
 * request, so tests can wait on requests and look at their timing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as is (for malformed answers). */
  body: object | string;
}

export interface SeenRequest {
  path: string;
  taskId: string | null;
  authorization: string | undefined;
  at: number;
}

export interface FakeProvider {
  baseUrl: string;
  requests: SeenRequest[];
  /** Answers for `taskId` on `path`, one per request; the last one repeats. */
  script(path: string, taskId: string, answers: ScriptedAnswer[]): void;
  requestsFor(taskId: string): SeenRequest[];
  close(): Promise<void>;
}

export async function fakeProvider(apiKey: string): Promise<FakeProvider> {
  const scripts = new Map<string, ScriptedAnswer[]>();
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const taskId = url.searchParams.get('taskId');
    requests.push({ path: url.pathname, taskId, authorization: req.headers.authorization, at: Date.now() });
    const send = (status: number, body: object | string, headers: Record<string, string> = {}): void => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(text);
    };
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      send(401, { code: 401, msg: 'You do not have access permissions' });
      return;
    }
    const answers = scripts.get(`${url.pathname}?${taskId ?? ''}`);
    if (answers === undefined || answers.length === 0) {
      send(200, { code: 404, msg: 'record not found', data: null });
      return;
    }
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    if (answer === undefined) return;
    send(answer.status ?? 200, answer.body, answer.headers);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    script(path, taskId, answers) {
      scripts.set(`${path}?${taskId}`, [...answers]);
    },
    requestsFor(taskId) {
      return requests.filter((request) => request.taskId === taskId);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A random task id shaped like the provider's (32 hex characters). */
export function taskId(): string {
  return Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
}

// Documented answers, per family. Field names and shapes as the docs' examples show them.

const track = (id: string) => ({
  id,
  audioUrl: `https://example.cn/${id}.mp3`,
  streamAudioUrl: `https://example.cn/${id}`,
  imageUrl: `https://example.cn/${id}.jpeg`,
  prompt: '[Verse] Night city lights shining bright',
  modelName: 'chirp-v3-5',
  title: 'Iron Man',
  tags: 'electrifying, rock',
  createTime: '2025-01-01 00:00:00',
  duration: 198.44,
});

export const answers = {
  musicPending: (task: string) => ({
    body: { code: 200, msg: 'success', data: { taskId: task, parentMusicId: '', param: '{}', response: null, status: 'PENDING', type: 'GENERATE', errorCode: null, errorMessage: null } },
  }),
  musicText: (task: string) => ({
    body: { code: 200, msg: 'success', data: { taskId: task, param: '{}', response: { taskId: task, sunoData: [] }, status: 'TEXT_SUCCESS', type: 'GENERATE', errorCode: null, errorMessage: null } },
  }),
  musicSuccess: (task: string) => ({
    body: {
      code: 200,
      msg: 'success',
      data: {
        taskId: task,
        parentMusicId: '',
        param: '{"prompt":"A calm piano track","style":"Classical","title":"Peaceful Piano","customMode":true,"instrumental":true,"model":"V4_5ALL"}',
        response: { taskId: task, sunoData: [track('8551aaaa662c'), track('bd15bbbb1873')] },
        status: 'SUCCESS',
        type: 'GENERATE',
        errorCode: null,
        errorMessage: null,
      },
    },
  }),
  musicFailed: (task: string) => ({
    body: { code: 200, msg: 'success', data: { taskId: task, param: '{}', response: null, status: 'GENERATE_AUDIO_FAILED', type: 'GENERATE', errorCode: 501, errorMessage: 'Audio generation failed' } },
  }),
  lyricsSuccess: (task: string) => ({
    body: {
      code: 200,
      msg: 'success',
      data: {
        taskId: task,
        param: '{"prompt":"A song about peaceful night in the city"}',
        response: { taskId: task, data: [{ text: '[Verse]\nMoonlight spreads', title: 'Iron Man', status: 'complete', errorMessage: '' }] },
        status: 'SUCCESS',
        type: 'LYRICS',
        errorCode: null,
        errorMessage: null,
      },
    },
  }),
  wavSuccess: (task: string) => ({
    body: { code: 200, msg: 'success', data: { taskId: task, musicId: '8551****662c', callbackUrl: 'https://api.example.com/callback', completeTime: '2025-01-01 00:10:00', response: { audioWavUrl: 'https://example.com/s/04e6.wav' }, successFlag: 'SUCCESS', createTime: '2025-01-01 00:00:00', errorCode: null, errorMessage: null } },
  }),
  stemsSuccess: (task: string) => ({
    body: {
      code: 200,
      msg: 'success',
      data: {
        taskId: task,
        musicId: '376c687e',
        callbackUrl: 'https://example.com/cb',
        audioId: 'e231',
        completeTime: 1753782937000,
        response: { originUrl: null, instrumentalUrl: 'https://file.example/i.mp3', vocalUrl: 'https://file.example/v.mp3', backingVocalsUrl: null, drumsUrl: null, bassUrl: null },
        successFlag: 'SUCCESS',
        createTime: 1753782854000,
        errorCode: null,
        errorMessage: null,
      },
    },
  }),
  midiSuccess: (task: string) => ({
    body: {
      code: 200,
      msg: 'success',
      data: {
        taskId: task,
        recordTaskId: -1,
        audioId: 'e231',
        callbackUrl: 'https://example.callback',
        completeTime: 1760335255000,
        midiData: { state: 'complete', instruments: [{ name: 'Drums', notes: [{ pitch: 73, start: 0.036, end: 0.182, velocity: 1 }] }] },
        successFlag: 1,
        createTime: 1760335251000,
        errorCode: null,
        errorMessage: null,
      },
    },
  }),
  videoSuccess: (task: string) => ({
    body: { code: 200, msg: 'success', data: { taskId: task, musicId: 'a', callbackUrl: 'https://api.example.com/callback', audioId: 'e231', completeTime: 1735661400000, response: { videoUrl: 'https://example.com/videos/v.mp4' }, successFlag: 'SUCCESS', createTime: 1735661400000, errorCode: null, errorMessage: null } },
  }),
  coverSuccess: (task: string) => ({
    body: { code: 200, msg: 'success', data: { taskId: task, parentTaskId: '73d6', callbackUrl: 'https://api.example.com/callback', completeTime: '2025-01-15T10:35:27.000Z', response: { images: ['https://tempfile.example/1.png', 'https://tempfile.example/2.png'] }, successFlag: 1, createTime: '2025-01-15T10:33:01.000Z', errorCode: 200, errorMessage: '' } },
  }),
  voiceSuccess: (task: string) => ({
    body: { code: 200, msg: 'success', data: { taskId: task, voiceId: 'voice_xxx', status: 'success', errorCode: 0, errorMessage: '' } },
  }),
  voicePhraseReady: (task: string) => ({
    body: { code: 200, msg: 'success', data: { taskId: task, validateInfo: 'Harmonies fill the air tonight', status: 'wait_validating', errorCode: 0, errorMessage: '' } },
  }),
  marketRunning: (task: string) => ({
    body: { code: 200, message: 'success', data: { taskId: task, model: 'ai-music-api/generate', state: 'generating', param: '{}', resultJson: '', failCode: '', failMsg: '', completeTime: null, createTime: 1698765400000, updateTime: 1698765400000 } },
  }),
};

/** The Market callback body for the music `generate` model, as the fixtures show it. */
export function marketRecord(task: string): Record<string, unknown> {
  const result = {
    code: 200,
    data: [{ audio_url: 'https://tempfile.example/r/1.mp3', createTime: 1790546580394, duration: 141.2, id: '52cc', image_url: 'https://cdn2.example/1.jpeg', model_name: 'chirp-crow', prompt: '[Verse] Night', stream_audio_url: 'https://audiostream.example/1.mp3', tags: 'rock', title: 'Iron Man' }],
    msg: 'success',
    task_id: task,
  };
  return {
    taskId: task,
    model: 'ai-music-api/generate',
    state: 'success',
    param: '{"callBackUrl":"https://your-domain.com/api/callback","model":"ai-music-api/generate","input":{"prompt":"A rock song"}}',
    resultJson: JSON.stringify(result),
    failCode: '',
    failMsg: '',
    costTime: 59,
    completeTime: 1790546580394,
    createTime: 1790546521000,
    updateTime: 1790546580394,
  };
}
