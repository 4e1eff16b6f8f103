/**
 * The error base of Weft: {@link WeftError}, {@link isWeftError} and error serialization.
 * @packageDocumentation
 */
export { WeftError, isWeftError, serializeError, type SerializedError } from './weft-error.js'
export { CancelledError, InvalidArgumentError, StepTimeoutError } from './common-errors.js'
