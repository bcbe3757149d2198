// The one logger interface of core and the hosts: pino's `(fields, message)` order. pino's Logger satisfies it as
// is (the agent and the CLI pass theirs); the Lambdas adapt Powertools to it (functions/shared/powertools.ts).

export interface Logger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}
