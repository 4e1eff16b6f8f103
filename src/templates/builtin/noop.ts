import Type from 'typebox'
import { defineStep } from '../step-template.js'

/**
 * The `noop` template: does nothing and outputs `null`. Useful to join branches or as a
 * placeholder in a plan. Takes no parameters.
 * @public
 */
export const noopTemplate = defineStep({
  name: 'noop',
  description: 'Does nothing; outputs null.',
  with: Type.Object({}, { additionalProperties: false }),
  output: Type.Null(),
  run: () => null,
})
