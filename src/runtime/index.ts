/**
 * Runtime ports: time ({@link Clock}) and entropy, with system and simulated implementations,
 * and the seeded PRNG used for `ctx.random()`.
 * @packageDocumentation
 */
export { systemClock, type Clock } from './clock.js'
export { SimulatedClock, type SimulatedClockOptions } from './simulated-clock.js'
export { mulberry32, hash32, type Random } from './prng.js'
export { systemEntropy, sequentialEntropy, type Entropy } from './entropy.js'
export { parseDuration, type Duration } from './duration.js'
