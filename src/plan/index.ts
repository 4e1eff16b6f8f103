/**
 * Plans: what a workflow would do without running it — the simulated timeline on a virtual
 * clock, makespan, critical path and peak parallelism under given limits.
 * @packageDocumentation
 */
export { simulate, type SimulateOptions, type Simulation, type SimulatedStep } from './simulate.js'
