/**
 * The executor port and the inline executor.
 * @packageDocumentation
 */
export type { Executor, StepTask } from './port.js'
export { inlineExecutor } from './inline-executor.js'
