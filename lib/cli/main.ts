import { suggestion, UsageError, wantsHelp } from './args.js';
import { FAILED_HELP, failedCommand } from './failed.js';
import { printer, type CliIo } from './output.js';
import { REPLAY_HELP, replayCommand } from './replay.js';
import { POLL_HELP, pollCommand } from './poll.js';
import { SEND_HELP, sendCommand } from './send.js';
import { SIGN_HELP, signCommand } from './sign.js';
import { VERIFY_HELP, verifyCommand } from './verify.js';

export const MAIN_HELP = `suno-callbacks: develop and debug Suno API callbacks without waiting for the provider

Usage:
  suno-callbacks send <kind> --url <url> [options]     POST a realistic, signed callback to your receiver
  suno-callbacks sign --task-id <id> [options]         print the signature headers for a task id
  suno-callbacks verify --headers <file> --body <file> explain whether a captured callback is authentic
  suno-callbacks failed --redis <url> --queue <name>   list queued callbacks whose listeners failed every attempt
  suno-callbacks replay <key>|--all --redis <url> ...  move failed callbacks back to waiting
  suno-callbacks poll <taskId> --kind <kind>           ask the provider about a task; print the event it gives
  suno-callbacks help [command]                        show the help of a command

Options:
  -h, --help      show help (after a command: that command's help)
  -v, --version   print the version

failed and replay take --postgres <url> instead of --redis for BullMQ's PostgreSQL backend, and need the bullmq
package. send, sign and verify take --secret <secret>; without it, the secret comes from $SUNO_WEBHOOK_SECRET, which
keeps it out of your shell history. poll reads the provider API key from $SUNO_API_KEY. Secrets, tokens and keys are
never printed.

Exit codes: 0 success, 1 refused or not authentic, 2 usage error.`;

interface Command {
  help: string;
  run(args: string[], io: CliIo): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  send: { help: SEND_HELP, run: sendCommand },
  sign: { help: SIGN_HELP, run: signCommand },
  verify: { help: VERIFY_HELP, run: verifyCommand },
  failed: { help: FAILED_HELP, run: failedCommand },
  replay: { help: REPLAY_HELP, run: replayCommand },
  poll: { help: POLL_HELP, run: pollCommand },
};

/** Runs one command line (without `node` and the script) and resolves with the exit code; never rejects. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const out = printer(io.stdout, io.env);
  const err = printer(io.stderr, io.env);
  const [name, ...args] = argv;
  try {
    if (name === undefined) throw new UsageError('a command is required: send, sign, verify, failed, replay or poll');
    if (name === '--help' || name === '-h') {
      out.line(MAIN_HELP);
      return 0;
    }
    if (name === '--version' || name === '-v') {
      out.line(io.version);
      return 0;
    }
    if (name === 'help') {
      const topic = args[0];
      if (topic === undefined) {
        out.line(MAIN_HELP);
        return 0;
      }
      const command = COMMANDS[topic];
      if (command === undefined) {
        throw new UsageError(`no help for "${topic.slice(0, 40)}"${suggestion(topic, Object.keys(COMMANDS))}`);
      }
      out.line(command.help);
      return 0;
    }
    const command = COMMANDS[name];
    if (command === undefined) {
      const what = name.startsWith('-') ? `unknown option ${name.slice(0, 40)}` : `unknown command "${name.slice(0, 40)}"`;
      throw new UsageError(`${what}${suggestion(name, Object.keys(COMMANDS))}`);
    }
    if (wantsHelp(args)) {
      out.line(command.help);
      return 0;
    }
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      err.line(`${err.red('error:')} ${error.message}`);
      const help = error.command === undefined ? 'suno-callbacks --help' : `suno-callbacks ${error.command} --help`;
      err.line(`Run '${help}' for usage.`);
      return 2;
    }
    err.line(`${err.red('error:')} ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
