import pkg from '../../package.json' with { type: 'json' }

/** The version of the package the CLI belongs to. */
export const cliVersion: string = pkg.version
