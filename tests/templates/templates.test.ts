import Type from 'typebox'
import { describe, expect, it } from 'vitest'
import { ContractViolation, createEngine, isWeftError, SimulatedClock, workflow } from '../../src/index.js'
import {
  builtinTemplates,
  defineStep,
  isStepTemplate,
  noopTemplate,
  TemplateDefinitionError,
  TemplateParamsError,
  templateRegistry,
  useStep,
} from '../../src/templates/index.js'

const greet = defineStep({
  name: 'greet',
  with: Type.Object({ name: Type.String({ minLength: 1 }), times: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
  output: Type.Object({ text: Type.String() }),
  run: (ctx, { name, times = 1 }) => ({ text: `${ctx.stepId}: ${`hello ${name}`.repeat(times)}` }),
})

describe('defineStep', () => {
  it('makes a frozen, branded template', () => {
    expect(isStepTemplate(greet)).toBe(true)
    expect(isStepTemplate({ run() {} })).toBe(false)
    expect(Object.isFrozen(greet)).toBe(true)
    expect(greet.name).toBe('greet')
    expect(defineStep({ with: Type.Object({}), output: Type.Null(), run: () => null }).name).toBe('anonymous')
  })

  it('rejects options of the wrong type with a TemplateDefinitionError naming the option', () => {
    const bad = (options: unknown) => () => defineStep(options as never)
    expect(bad({ with: 1, output: Type.Null(), run: () => null })).toThrow('Expected `with` to be a TypeBox schema, got `number`')
    expect(bad({ with: Type.Object({}), output: Type.Null() })).toThrow('Expected `run` to be a function, got `undefined`')
    expect(bad({ with: Type.Object({}), output: Type.Null(), run: () => null, name: '' })).toThrow(TemplateDefinitionError)
    try {
      bad(null)()
    } catch (error) {
      expect(isWeftError(error, 'WEFT_TEMPLATE_DEFINITION')).toBe(true)
      expect((error as TemplateDefinitionError).data).toEqual({ reason: 'invalid-option', option: 'options' })
    }
  })
})

describe('useStep', () => {
  it('binds a template in the typed builder; the step output is the template output', async () => {
    const wf = workflow('greetings')
      .step('first', { ...useStep(greet, { name: 'Ada', times: 2 }) })
      .step('second', { needs: ['first'], output: Type.Integer(), run: ({ deps }) => deps.first.text.length })
      .build()
    const result = await createEngine({ clock: new SimulatedClock() }).run(wf)
    expect(result).toMatchObject({ status: 'succeeded', output: { first: { text: 'first: hello Adahello Ada' }, second: 25 } })
  })

  it('checks the parameters at definition time: a TemplateParamsError (a step-input ContractViolation) with every issue', () => {
    const call = () => useStep(greet, { name: '', times: 0, extra: true } as never, { workflowId: 'w', stepId: 's' })
    expect(call).toThrow(TemplateParamsError)
    try {
      call()
    } catch (error) {
      expect(error).toBeInstanceOf(ContractViolation)
      const e = error as TemplateParamsError
      expect(e.code).toBe('WEFT_CONTRACT_VIOLATION')
      expect(e.template).toBe('greet')
      expect(e.data).toMatchObject({ workflowId: 'w', stepId: 's', direction: 'step-input' })
      expect(new Set(e.data.issues.map((i) => i.path))).toEqual(new Set(['', '/extra', '/name', '/times']))
      expect(e.message).toMatch(/^parameters of template "greet" in step "s" of workflow "w" violate its `with` contract: /)
    }
    expect(() => useStep(greet, { name: 1 } as never)).toThrow(/^parameters of template "greet" violate/)
  })

  it('copies and freezes the parameters, so later changes do not reach the step', async () => {
    const params = { name: 'Ada' }
    const wf = workflow('copy').step('g', { ...useStep(greet, params) }).build()
    params.name = 'Bob'
    const result = await createEngine({ clock: new SimulatedClock() }).run(wf)
    expect(result).toMatchObject({ status: 'succeeded', output: { g: { text: 'g: hello Ada' } } })
  })
})

describe('templateRegistry', () => {
  it('registers, gets, lists; names are unique', () => {
    const registry = templateRegistry().register('greet', greet).register('acme/noop', noopTemplate)
    expect(registry.names()).toEqual(['greet', 'acme/noop'])
    expect(registry.get('greet')).toBe(greet)
    expect(registry.has('acme/noop')).toBe(true)
    expect(registry.has('toString')).toBe(false)
    expect(registry.get('constructor')).toBeUndefined()
    expect(() => registry.register('greet', noopTemplate)).toThrow('a template named "greet" is already registered')
    try {
      registry.register('greet', noopTemplate)
    } catch (error) {
      expect((error as TemplateDefinitionError).data).toEqual({ reason: 'duplicate-name', name: 'greet' })
    }
  })

  it('rejects bad names and things that are not templates', () => {
    const registry = templateRegistry()
    for (const name of ['', 'has space', '__proto__', 'constructor', '-x', 'x'.repeat(129)]) {
      expect(() => registry.register(name, greet)).toThrow(expect.objectContaining({ data: expect.objectContaining({ reason: 'invalid-name' }) }))
    }
    expect(() => registry.register('fake', { run: () => null } as never)).toThrow(expect.objectContaining({ data: { reason: 'not-a-template', name: 'fake' } }))
  })

  it('starts from a record, pairs or another registry (copied), duplicates included in the check', () => {
    expect(templateRegistry({ greet }).names()).toEqual(['greet'])
    expect(templateRegistry([['a', greet], ['b', greet]]).names()).toEqual(['a', 'b'])
    const base = builtinTemplates()
    const copy = templateRegistry(base).register('greet', greet)
    expect(copy.names()).toEqual(['noop', 'sleep', 'simulate', 'exec', 'greet'])
    expect(base.has('greet')).toBe(false)
    expect(() => templateRegistry([['a', greet], ['a', greet]])).toThrow(TemplateDefinitionError)
  })

  it('builtinTemplates returns a fresh registry each time', () => {
    builtinTemplates().register('mine', greet)
    expect(builtinTemplates().has('mine')).toBe(false)
  })
})
