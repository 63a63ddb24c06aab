import { CALLBACK_KINDS, classify, isCallbackKind, isJsonObject, type CallbackKind } from '../classify.js';
import { MARKET_MODEL_PREFIX, MARKET_MODELS } from '../dialects.js';
import { CALLBACK_DIALECTS, fixtures, type FixtureOptionsMap } from '../testing/builders.js';
import { signCallback } from '../testing/sign.js';
import {
  choiceOption,
  integerOption,
  parseCommand,
  secretsOption,
  stringOption,
  suggestion,
  UsageError,
} from './args.js';
import { printer, type CliIo, type Printer } from './output.js';

export const SEND_HELP = `Usage: suno-callbacks send <kind> --url <callback url> [options]

Builds a realistic callback body of one family, signs it like the provider, POSTs it to your receiver and prints
each answer. Use it against your development server instead of paying for a generation and waiting for the provider.

Kinds: ${CALLBACK_KINDS.join(', ')}

Options:
  --url <url>            your callback URL, e.g. http://localhost:3000/suno/callback (required unless --dry-run)
  --secret <secret>      sign with this webhook HMAC key (default: $SUNO_WEBHOOK_SECRET)
  --token <token>        append ?token=<token> to the URL instead (for receivers configured with \`token\`)
  --stage <stage>        music only: text, first or complete (default: complete)
  --mode <mode>          stems only: separate_vocal or split_stem (default: separate_vocal)
  --fail <code>          send the family's failure body with this code (e.g. 400, 501, 531)
  --dialect <dialect>    sunoapi (docs.sunoapi.org) or kie (docs.kie.ai) field names, or market: the kie.ai Market
                         envelope of jobs/createTask, result JSON-encoded in data.resultJson (default: sunoapi)
  --model <name>         market only: the Market model, e.g. ai-music-api/sounds (default: the kind's first model)
  --task-id <id>         the task id (default: a random 32-hex id)
  --data <json>          a JSON object deep-merged into the body's "data" (arrays of objects merge item by item)
  --repeat <n>           deliver the same body n times, as the provider does when it retries (default: 1)
  --concurrency <n>      deliveries in flight at once (default: 1)
  --timeout <seconds>    give up on an answer after this long; the provider waits 15 s (default: 15)
  --dry-run              print the body as JSON and send nothing
  -h, --help             show this help

Examples:
  suno-callbacks send cover --url http://localhost:3000/suno/callback --secret "$SUNO_WEBHOOK_SECRET"
  suno-callbacks send music --stage first --dialect kie --url http://localhost:3000/suno/callback
  suno-callbacks send video --fail 531 --url http://localhost:3000/suno/callback
  suno-callbacks send wav --repeat 3 --concurrency 3 --url http://localhost:3000/suno/callback
  suno-callbacks send lyrics --dry-run > body.json
  suno-callbacks send recovery --url http://localhost:3000/suno/callback/recovery
  suno-callbacks send music --dialect market --url http://localhost:3000/suno/callback
  suno-callbacks send result --model ai-music-api/generate-persona --url http://localhost:3000/suno/callback

Exit codes: 0 every answer was 2xx, 1 any delivery was refused or failed, 2 usage error.`;

const OPTIONS = {
  url: { type: 'string' },
  secret: { type: 'string' },
  token: { type: 'string' },
  stage: { type: 'string' },
  mode: { type: 'string' },
  fail: { type: 'string' },
  dialect: { type: 'string' },
  model: { type: 'string' },
  'task-id': { type: 'string' },
  data: { type: 'string' },
  repeat: { type: 'string' },
  concurrency: { type: 'string' },
  timeout: { type: 'string' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const STAGES = ['text', 'first', 'complete'] as const;
const MODES = ['separate_vocal', 'split_stem'] as const;

interface Delivery {
  index: number;
  status?: number;
  text?: string;
  error?: string;
  location?: string;
  milliseconds: number;
}

/** The URL as printed: a token is a secret, so its value never reaches the terminal or a CI log. */
function displayUrl(url: URL): string {
  if (!url.searchParams.has('token')) return url.href;
  const copy = new URL(url.href);
  copy.searchParams.set('token', '***');
  return copy.href.replace('%2A%2A%2A', '***');
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      // The text is not repeated: a mistyped URL may still carry a ?token=.
      '--url must be an absolute URL such as http://localhost:3000/suno/callback',
      'send',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be http or https; got ${url.protocol}`, 'send');
  }
  return url;
}

function parseData(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--data is not JSON: ${(error as Error).message}`, 'send');
  }
  if (!isJsonObject(value)) throw new UsageError('--data must be a JSON object, merged into the body\'s "data"', 'send');
  return value;
}

interface Outgoing {
  url: URL;
  text: string;
  secret: string | undefined;
  timeoutMs: number;
  version: string;
}

async function deliver({ url, text, secret, timeoutMs, version }: Outgoing, index: number): Promise<Delivery> {
  const started = performance.now();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': `suno-callbacks-cli/${version}`,
    // Each delivery is its own connection, as the provider's retries are; it also lets the CLI exit at once.
    Connection: 'close',
  };
  // Signed per delivery: a retry from the provider carries a fresh timestamp.
  if (secret !== undefined) Object.assign(headers, signCallback(text, { secret }));
  try {
    // Redirects are shown, not followed: a callback URL that redirects is a misconfiguration worth seeing.
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetch(url, { method: 'POST', headers, body: text, redirect: 'manual', signal });
    const answer = await response.text();
    const location = response.headers.get('location');
    const delivery: Delivery = { index, status: response.status, text: answer, milliseconds: performance.now() - started };
    if (location !== null) delivery.location = location;
    return delivery;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s (the provider would count this as a failed delivery and retry)`
        : cause?.code ?? cause?.message ?? (error as Error).message;
    return { index, error: reason, milliseconds: performance.now() - started };
  }
}

function printDelivery(out: Printer, delivery: Delivery, width: number): void {
  const label = `#${String(delivery.index).padStart(width)}`;
  const time = out.dim(`(${Math.round(delivery.milliseconds)} ms)`);
  if (delivery.status === undefined) {
    out.line(`${label} ${out.red('failed')} ${delivery.error ?? ''} ${time}`);
    return;
  }
  const status = String(delivery.status);
  const painted = delivery.status >= 200 && delivery.status < 300 ? out.green(status) : out.red(status);
  const text = (delivery.text ?? '').trim().replace(/\s+/g, ' ');
  const shown = text.length > 300 ? `${text.slice(0, 300)}...` : text;
  const moved = delivery.location === undefined ? '' : `redirect to ${delivery.location} (not followed) `;
  out.line(`${label} ${painted} ${moved}${shown}${shown === '' ? '' : ' '}${time}`);
}

/** A string field of a JSON answer (`error` of a refusal, `status` of an acceptance). */
function answerField(text: string | undefined, name: 'error' | 'status'): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text ?? '');
    return isJsonObject(parsed) && typeof parsed[name] === 'string' ? parsed[name] : undefined;
  } catch {
    return undefined;
  }
}

const HINTS: Record<string, string> = {
  invalid_signature: 'the receiver has another secret than the one this command signed with (--secret or $SUNO_WEBHOOK_SECRET)',
  missing_signature: 'the receiver expects signed callbacks: pass --secret (or set SUNO_WEBHOOK_SECRET)',
  stale_timestamp: "this machine's clock and the receiver's differ by more than the receiver's toleranceSeconds",
  invalid_token: 'the receiver expects another --token (or a --secret)',
};

/** `suno-callbacks send`: resolves with the exit code. */
export async function sendCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand('send', args, OPTIONS, 1);
  const kindText = parsed.positionals[0];
  if (kindText === undefined) throw new UsageError(`send needs a kind: ${CALLBACK_KINDS.join(', ')}`, 'send');
  if (!isCallbackKind(kindText)) {
    const hint = suggestion(kindText, CALLBACK_KINDS);
    throw new UsageError(`unknown kind "${kindText.slice(0, 40)}"${hint}; expected one of ${CALLBACK_KINDS.join(', ')}`, 'send');
  }
  const kind: CallbackKind = kindText;
  const secret = secretsOption(parsed, 'send', io.env)[0];
  const token = stringOption(parsed, 'token', 'send');
  const stage = choiceOption(parsed, 'stage', 'send', STAGES);
  if (stage !== undefined && kind !== 'music') throw new UsageError('--stage applies to music only', 'send');
  const mode = choiceOption(parsed, 'mode', 'send', MODES);
  if (mode !== undefined && kind !== 'stems') throw new UsageError('--mode applies to stems only', 'send');
  const fail = integerOption(parsed, 'fail', 'send', { min: 100, max: 999 });
  if (fail === 200) throw new UsageError('--fail needs a code other than 200 (200 is success)', 'send');
  // A Market-only model has no legacy body: `result` is always the Market envelope.
  const dialect = choiceOption(parsed, 'dialect', 'send', CALLBACK_DIALECTS) ?? (kind === 'result' ? 'market' : 'sunoapi');
  if (kind === 'result' && dialect !== 'market') throw new UsageError('result is a Market-only kind: use --dialect market', 'send');
  const modelText = stringOption(parsed, 'model', 'send');
  if (modelText !== undefined && dialect !== 'market') throw new UsageError('--model applies to --dialect market only', 'send');
  // Any model is sent as given (the provider adds models); a bare name gets the prefix, a near miss a hint.
  const model = modelText === undefined || modelText.includes('/') ? modelText : `${MARKET_MODEL_PREFIX}${modelText}`;
  if (model !== undefined && !Object.hasOwn(MARKET_MODELS, model.slice(MARKET_MODEL_PREFIX.length))) {
    const hint = suggestion(model.slice(MARKET_MODEL_PREFIX.length), Object.keys(MARKET_MODELS));
    printer(io.stderr, io.env).line(`note: ${model} is not a model this version knows${hint}; sent as given`);
  }
  const taskId = stringOption(parsed, 'task-id', 'send');
  const data = parseData(stringOption(parsed, 'data', 'send'));
  const repeat = integerOption(parsed, 'repeat', 'send', { min: 1, max: 10_000 }) ?? 1;
  const concurrency = integerOption(parsed, 'concurrency', 'send', { min: 1, max: 256 }) ?? 1;
  const timeoutMs = (integerOption(parsed, 'timeout', 'send', { min: 1, max: 600 }) ?? 15) * 1000;
  const dryRun = parsed.values['dry-run'] === true;
  const urlText = stringOption(parsed, 'url', 'send');
  if (urlText === undefined && !dryRun) throw new UsageError('--url <callback url> is required', 'send');

  const options: FixtureOptionsMap['music'] & FixtureOptionsMap['stems'] = { dialect };
  if (model !== undefined) options.model = model;
  if (taskId !== undefined) options.taskId = taskId;
  if (fail !== undefined) options.code = fail;
  if (stage !== undefined) options.stage = stage;
  if (mode !== undefined) options.mode = mode;
  if (data !== undefined) options.data = data as NonNullable<typeof options.data>;
  const body = fixtures.build(kind, options as FixtureOptionsMap[typeof kind]);
  const text = JSON.stringify(body);

  const out = printer(io.stdout, io.env);
  const err = printer(io.stderr, io.env);
  if (dryRun) {
    out.line(JSON.stringify(body, null, 2));
    return 0;
  }

  const url = parseUrl(urlText as string);
  if (token !== undefined) url.searchParams.set('token', token);
  const classified = classify(body as unknown as Record<string, unknown>, undefined);
  const { stage: sentStage, taskId: sentTaskId } = 'missing' in classified ? { stage: '?', taskId: '?' } : classified;
  // Some failure bodies do not say their family; the receiver only knows it from a per-kind path.
  if (!('missing' in classified) && classified.kind !== kind && !url.pathname.replace(/\/$/, '').endsWith(`/${kind}`)) {
    err.line(
      err.yellow('note:') +
        ` this ${kind} body does not name its family; the receiver reports it as kind "unknown" unless it arrives on ` +
        `a per-kind path such as ${url.pathname.replace(/\/$/, '')}/${kind}`,
    );
  }
  if (secret === undefined && token === undefined) {
    err.line(
      `${err.yellow('note:')} sending unsigned (no --secret, --token or $SUNO_WEBHOOK_SECRET); ` +
        'only a receiver with allowUnsigned accepts it',
    );
  }
  const auth = [...(secret !== undefined ? ['signed'] : []), ...(token !== undefined ? ['token'] : [])].join('+') || 'unsigned';
  const times = repeat > 1 ? ` x${repeat}` : '';
  out.line(`${out.bold(`POST ${displayUrl(url)}`)}  ${kind}/${sentStage} task=${sentTaskId} ${auth}${times}`);

  const width = String(repeat).length;
  const deliveries: Delivery[] = [];
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next <= repeat) {
      const index = next;
      next += 1;
      const delivery = await deliver({ url, text, secret, timeoutMs, version: io.version }, index);
      deliveries.push(delivery);
      printDelivery(out, delivery, width);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, repeat) }, worker));

  const accepted = deliveries.filter((delivery) => delivery.status !== undefined && delivery.status >= 200 && delivery.status < 300);
  const failed = deliveries.filter((delivery) => delivery.status === undefined);
  const refused = deliveries.length - accepted.length - failed.length;
  if (repeat > 1) {
    const duplicates = accepted.filter((delivery) => answerField(delivery.text, 'status') === 'duplicate').length;
    out.line(
      `${repeat} deliveries: ${accepted.length} accepted (${accepted.length - duplicates} received, ${duplicates} duplicate), ` +
        `${refused} refused, ${failed.length} failed`,
    );
  }
  const codes = new Set(deliveries.map((delivery) => answerField(delivery.text, 'error')).filter((code) => code !== undefined));
  for (const code of codes) {
    const hint = HINTS[code];
    if (hint !== undefined) err.line(`${err.yellow('hint:')} ${code}: ${hint}`);
  }
  return accepted.length === deliveries.length ? 0 : 1;
}
