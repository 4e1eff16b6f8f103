// Argument checks of the public factories. Each throws `InvalidArgumentError` with an exact
// message ("Expected `retry.attempts` to be an integer from 1 and up, got `0` (number)");
// the policies behind the factories trust their input.
import { InvalidArgumentError } from '../errors/index.js'
import { parseDuration, type Clock, type Duration } from '../runtime/index.js'

/** Milliseconds of a duration option, or `fallback` when it is absent. @internal */
export function durationOption(name: string, value: Duration | undefined, fallback: number, positive = false): number {
  if (value === undefined) return fallback
  const ms = parseDuration(value)
  if (ms === undefined || (positive && ms <= 0)) {
    throw new InvalidArgumentError(name, `a ${positive ? 'positive ' : ''}duration (milliseconds, or a string like '250ms', '30s', '5m')`, value)
  }
  return ms
}

/** An integer option from `min` and up (Infinity allowed when `infinite`). @internal */
export function integerOption(name: string, value: number | undefined, fallback: number, min: number, infinite = false): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && ((Number.isInteger(value) && value >= min) || (infinite && value === Infinity))) return value
  throw new InvalidArgumentError(name, `an integer from ${min} and up${infinite ? ' (or Infinity)' : ''}`, value)
}

/** A number option within [min, max]. @internal */
export function rangeOption(name: string, value: number | undefined, fallback: number, min: number, max: number, minExclusive = false): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max) return value
  throw new InvalidArgumentError(name, `a number from ${min}${minExclusive ? ' (exclusive)' : ''} to ${max}`, value)
}

/** A function option. @internal */
export function functionOption<F>(name: string, value: F | undefined): F | undefined {
  if (value === undefined || typeof value === 'function') return value
  throw new InvalidArgumentError(name, 'a function', value)
}

/** A {@link Clock} option. @internal */
export function clockOption(name: string, value: Clock | undefined): Clock | undefined {
  if (value === undefined || (typeof value === 'object' && value !== null && typeof value.now === 'function' && typeof value.sleep === 'function')) return value
  throw new InvalidArgumentError(name, 'a Clock (an object with now() and sleep())', value)
}

/** An options object (or nothing). @internal */
export function objectOption<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {}
  if (typeof value === 'object' && value !== null) return value
  throw new InvalidArgumentError(name, 'an options object', value)
}

/** Throws the standard error for an option outside its allowed values. @internal */
export function invalid(name: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(name, expected, value)
}
