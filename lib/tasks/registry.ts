// The tasks, by name: what model io, the extractor, `shapca train` / `shapca eval` and `explain`
// consult instead of a switch of their own. A new task is one folder holding its TaskDefinition and
// one line here (its name also joins ShapCATask in model/config.ts; the `satisfies` below fails to
// compile until it does).
import type { ShapCATask } from '../model/config.js';
import type { TaskDefinition } from './definition.js';
import { jointTask } from './joint/task.js';
import { nerTask } from './ner/task.js';
import { reTask } from './re/task.js';

export const TASKS = {
  ner: nerTask,
  re: reTask,
  joint: jointTask,
} as const satisfies { [T in ShapCATask]: TaskDefinition<unknown> };

/** The model class of each task. */
export type TaskModels = { [T in ShapCATask]: (typeof TASKS)[T] extends TaskDefinition<infer M> ? M : never };

/** A model of any task; narrow on `model.config.task`. */
export type TaskModel = TaskModels[ShapCATask];

/** The model of task T; of any task for 'any'. */
export type ModelOf<T extends ShapCATask | 'any'> = T extends ShapCATask ? TaskModels[T] : TaskModel;

/** The task names, in registry order (the --task choices). */
export const TASK_NAMES = Object.keys(TASKS) as ShapCATask[];

export function isTaskName(name: unknown): name is ShapCATask {
  return typeof name === 'string' && Object.hasOwn(TASKS, name);
}

/** The definition of a task by name; a RangeError naming the known tasks otherwise. */
export function taskDefinition(name: unknown): TaskDefinition<TaskModel> {
  if (!isTaskName(name)) throw new RangeError(`expected task ${TASK_NAMES.join(', ')} but received ${JSON.stringify(name)}`);
  return TASKS[name] as TaskDefinition<TaskModel>;
}
