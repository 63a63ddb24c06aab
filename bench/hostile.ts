/**
 * Bounded validation (issue 8/9): authentic ~5 MB bodies built to make interpretation slow, through the real
 * pipeline (parse, depth check, identify, signature, claim, buildEvent with its ajv check and normalisation, dispatch).
 * For each body it prints the worst event-loop block seen while the callback went through (perf_hooks
 * monitorEventLoopDelay, 1 ms resolution) per MB of body, and, timed in-process, how that splits between JSON.parse
 * (paid by any JSON receiver) and interpretation (identify + buildEvent: the bounded part; target < 50 ms per MB).
 * On a shared, loaded machine every figure swells alike: compare them with the JSON.parse line.
 *
 *   npx tsx bench/hostile.ts            # or: npx tsx bench/hostile.ts 3   (runs per body, default 5)
 */
import { createHmac } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildEvent, identify, prepareValidators } from '../lib/interpret.js';
import { resolveOptions } from '../lib/options.js';
import { Pipeline } from '../lib/pipeline.js';
import { nodeCrypto } from '../lib/signature.js';
import { fixtures } from '../lib/testing/builders.js';

const SECRET = 'bench-hostile-secret';
const TARGET_BYTES = 5 * 1024 * 1024 - 4096;
const runs = Number(process.argv[2] ?? 5);

/** Repeats `unit` (joined by commas) until the text would reach the target size. */
function fill(unit: string, room: number): string {
  return new Array(Math.max(1, Math.floor(room / (unit.length + 1)))).fill(unit).join(',');
}

function musicWith(items: string, taskId: string): string {
  const body = fixtures.music({ taskId });
  const text = JSON.stringify({ ...body, data: { ...body.data, data: '__ITEMS__' } });
  return text.replace('"__ITEMS__"', `[${items}]`);
}

type Scenario = [name: string, make: (taskId: string) => string];

const scenarios: Scenario[] = [
  ['music, track list [1,1,...] (schema fails at item 0)', (id) => musicWith(fill('1', TARGET_BYTES), id)],
  ['music, track list [{},{},...,1] (schema fails at the last item)', (id) => musicWith(`${fill('{}', TARGET_BYTES - 8)},1`, id)],
  [
    'music, 5 MB of real tracks (valid: full normalisation)',
    (id) => {
      const track = JSON.stringify(fixtures.music().data.data?.[0]);
      return musicWith(fill(track, TARGET_BYTES - 2000), id);
    },
  ],
  [
    'MIDI, notes of mixed string and number times (valid)',
    (id) => {
      const note = '{"pitch":61,"start":"0.046875","end":0.1927,"velocity":1}';
      return JSON.stringify({ task_id: id, code: 200, msg: 'success', data: { state: 'complete', instruments: [{ name: 'Drums', notes: ['__N__'] }] } }).replace(
        '"__N__"',
        fill(note, TARGET_BYTES - 400),
      );
    },
  ],
  ['invalid JSON: 5 MB of [1,1,...] then a stray comma (raw task id scan)', (id) => `{"code":200,"data":{"task_id":"${id}","data":[${fill('1', TARGET_BYTES - 200)},]}}`],
  [
    'invalid JSON: task id at the end after 5 MB of strings (raw scan, worst case)',
    (id) => `{"code":200,"msg":[${fill('"aaaaaaaaaaaaaaaa\\"bbbb"', TARGET_BYTES - 300)}],,"data":{"task_id":"${id}"}}`,
  ],
  [
    'Market: malformed param, then 5 MB of garbage after a valid-looking member (param extractor, worst case)',
    (id) => {
      const garbage = fill('"x"}', TARGET_BYTES - 800);
      return `{"code":200,"msg":"ok","data":{"taskId":"${id}","model":"ai-music-api/generate","param":"{\\"input\\":\\"{\\\\"p\\\\":1}\\"}","state":"success","resultJson":"{}","tail":[${garbage}}}`;
    },
  ],
  [
    'Market music: resultJson holding 5 MB of [1,1,...] tracks',
    (id) => {
      const body = fixtures.music({ dialect: 'market', taskId: id });
      const result = `{"code":200,"data":[${fill('1', TARGET_BYTES - 3000)}],"task_id":"${id}"}`;
      return JSON.stringify({ ...body, data: { ...body.data, resultJson: result } });
    },
  ],
];

function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Median in-process time of the steps, for one body: JSON.parse (failing or not), then identify + buildEvent. */
function stepTimes(text: string): { parse: number; interpret: number } {
  prepareValidators();
  const parse: number[] = [];
  const interpret: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    let started = performance.now();
    let body: Record<string, unknown> | string;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = text;
    }
    parse.push(performance.now() - started);
    started = performance.now();
    // As the pipeline does: a text body is one JSON.parse has just refused.
    const identified = identify(body, undefined, { invalidJson: typeof body === 'string' });
    if (identified === undefined) throw new Error('no task id found');
    buildEvent(identified, body, new Date());
    interpret.push(performance.now() - started);
  }
  return { parse: middle(parse), interpret: middle(interpret) };
}

async function main(): Promise<void> {
  const silent = () => undefined;
  const pipeline = new Pipeline(
    resolveOptions({ secret: SECRET, maxBodyBytes: 6 * 1024 * 1024, logger: { debug: silent, info: silent, warn: silent, error: console.error } }),
    nodeCrypto([SECRET]),
  );
  let outcome = '';
  for (const name of ['callback', 'unrecognized'] as const) {
    pipeline.dispatcher.on(name, (event: unknown) => {
      outcome = name;
      void event;
    });
  }
  let worstPerMb = 0;
  let worstBlockPerMb = 0;
  console.log('worst event-loop block while one authentic ~5 MB body goes through the pipeline (median of runs)');
  for (const [name, make] of scenarios) {
    const blocks: number[] = [];
    let bytes = 0;
    for (let run = 0; run < runs; run += 1) {
      const taskId = `hostile${run}${Math.random().toString(16).slice(2, 10)}`;
      const text = make(taskId);
      const buffer = Buffer.from(text);
      bytes = buffer.length;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac('sha256', SECRET).update(`${taskId}.${timestamp}`).digest('base64');
      outcome = '';
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      histogram.enable();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const receipt = await pipeline.receive({ body: { type: 'bytes', bytes: buffer }, kindHint: undefined, timestamp, signature, token: undefined });
      if (receipt.answer.status !== 200) throw new Error(`${name}: answered ${receipt.answer.status} ${JSON.stringify(receipt.answer.body)}`);
      receipt.dispatch?.();
      while (outcome === '') await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 5));
      histogram.disable();
      // The histogram holds delays beyond the resolution: the longest is the longest block.
      blocks.push(Math.max(0, histogram.max / 1e6 - 1));
    }
    const median = middle(blocks);
    const mb = bytes / (1024 * 1024);
    const steps = stepTimes(make(`steps${Math.random().toString(16).slice(2, 10)}`));
    worstPerMb = Math.max(worstPerMb, steps.interpret / mb);
    worstBlockPerMb = Math.max(worstBlockPerMb, median / mb);
    console.log(
      `${name}\n  ${mb.toFixed(2)} MB -> ${outcome}: worst block ${median.toFixed(1)} ms (${(median / mb).toFixed(1)} ms/MB); ` +
        `JSON.parse ${steps.parse.toFixed(1)} ms, identify + buildEvent ${steps.interpret.toFixed(1)} ms (${(steps.interpret / mb).toFixed(1)} ms/MB)`,
    );
  }
  console.log(`\nworst event-loop block: ${worstBlockPerMb.toFixed(1)} ms per MB (JSON.parse included)`);
  console.log(`worst interpretation (identify + buildEvent): ${worstPerMb.toFixed(1)} ms per MB (target < 50)`);
  await pipeline.close();
}

await main();
