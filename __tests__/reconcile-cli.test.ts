import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { runCli } from '../lib/cli/main.js';
import { answers, fakeProvider, taskId, type FakeProvider } from './helpers/fake-provider.js';

const API_KEY = 'cli-test-key-never-printed';
const MUSIC = '/api/v1/generate/record-info';

let provider: FakeProvider;
beforeAll(async () => {
  provider = await fakeProvider(API_KEY);
});
afterAll(async () => {
  await provider.close();
});

async function run(args: string[], env: NodeJS.ProcessEnv = { SUNO_API_KEY: API_KEY }) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    version: 'test',
  });
  return { code, stdout, stderr };
}

describe('suno-callbacks poll', () => {
  test('prints the event a finished task produces, and never the key', async () => {
    const task = taskId();
    provider.script(MUSIC, task, [answers.musicSuccess(task)]);
    const { code, stdout, stderr } = await run(['poll', task, '--kind', 'music', '--base-url', provider.baseUrl]);
    expect(code).toBe(0);
    const printed = JSON.parse(stdout) as { event: string; key: string; tracks: Array<{ audioUrl: string }> };
    expect(printed.event).toBe('music-ready');
    expect(printed.key).toBe(`music:${task}:complete`);
    expect(printed.tracks[0]?.audioUrl).toBe('https://example.cn/8551aaaa662c.mp3');
    expect(stdout + stderr).not.toContain(API_KEY);
    expect(provider.requestsFor(task)[0]?.authorization).toBe(`Bearer ${API_KEY}`);
  });

  test('a running task exits 3 without --wait; with --wait it polls until the event', async () => {
    const task = taskId();
    provider.script(MUSIC, task, [answers.musicPending(task), answers.musicPending(task), answers.musicSuccess(task)]);
    const once = await run(['poll', task, '--kind', 'music', '--base-url', provider.baseUrl]);
    expect(once.code).toBe(3);
    expect(once.stderr).toContain('still running');
    const waited = await run(['poll', task, '--kind', 'music', '--base-url', provider.baseUrl, '--wait', '--every', '1']);
    expect(waited.code).toBe(0);
    expect((JSON.parse(waited.stdout) as { event: string }).event).toBe('music-ready');
    expect(provider.requestsFor(task)).toHaveLength(3);
  });

  test('a failed task prints failure and exits 1', async () => {
    const task = taskId();
    provider.script(MUSIC, task, [answers.musicFailed(task)]);
    const { code, stdout } = await run(['poll', task, '--kind', 'music', '--base-url', provider.baseUrl]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ event: 'failure', kind: 'music', code: 501, detail: 'Audio generation failed' });
  });

  test('usage errors: no key, no kind, a wrong kind', async () => {
    const task = taskId();
    expect((await run(['poll', task, '--kind', 'music'], {})).stderr).toContain('SUNO_API_KEY');
    expect((await run(['poll', task])).code).toBe(2);
    const wrong = await run(['poll', task, '--kind', 'musc']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('did you mean "music"');
  });

  test('a refused key exits 1 and says so without printing it', async () => {
    const task = taskId();
    const { code, stderr } = await run(['poll', task, '--kind', 'music', '--base-url', provider.baseUrl], { SUNO_API_KEY: 'wrong-key-xyz' });
    expect(code).toBe(1);
    expect(stderr).toContain('401');
    expect(stderr).not.toContain('wrong-key-xyz');
  });

  test('the main help lists poll', async () => {
    const { stdout } = await run(['--help']);
    expect(stdout).toContain('suno-callbacks poll <taskId> --kind <kind>');
  });
});
