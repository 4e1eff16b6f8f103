/**
 * Test kit for workflows: simulated clock and reproducible entropy.
 * @packageDocumentation
 */
export { SimulatedClock, sequentialEntropy, type SimulatedClockOptions } from '../runtime/index.js'
