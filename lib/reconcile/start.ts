import type { Pipeline } from '../pipeline.js';
import type { ResolvedOptions } from '../options.js';
import { QueueScheduler, type ExpectQueue } from './queue-scheduler.js';
import { Reconciler, taskTimeoutEvent } from './reconciler.js';

/**
 * The middleware's reconciler, wired to its pipeline; `undefined` without the `reconcile` option. With `queue`,
 * expectations are delayed jobs in that queue, polled by the workers; without, timers in this process.
 */
export function startReconciler(options: ResolvedOptions, pipeline: Pipeline, queue?: ExpectQueue): Reconciler | undefined {
  const config = options.reconcile;
  if (config === undefined) return undefined;
  const { logger } = options;
  const reconciler = new Reconciler(
    config,
    {
      accept: (body, hint) => pipeline.acceptTrusted(body, hint),
      timeout: async (expectation) => {
        pipeline.dispatcher.notify('task-timeout', taskTimeoutEvent(expectation));
      },
      report: (error) => pipeline.dispatcher.notify('error', error),
      logError: (message, error) => logger.error(message, error),
    },
    queue === undefined ? undefined : () => new QueueScheduler(queue, config.everyMs),
  );
  // A final callback, through the middleware or through a poll, settles its task.
  pipeline.acceptedObservers.add((accepted) => reconciler.accepted(accepted.taskId, accepted.stage, logger));
  return reconciler;
}
