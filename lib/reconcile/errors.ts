import { SunoCallbackError } from '../errors.js';

/** Polling for a task failed in a way the application should hear of (a refused key, an unusable answer). */
export class ReconcileError extends SunoCallbackError {
  readonly taskId: string;
  readonly kind: string;

  constructor(taskId: string, kind: string, message: string) {
    super('ERR_SUNO_RECONCILE', `Reconciling ${kind} task ${taskId}: ${message}`);
    this.taskId = taskId;
    this.kind = kind;
  }
}
