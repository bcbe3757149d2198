// The CLI's static command table lists every module of cli/commands, and each registers the command it is named for.
import { readdirSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/main.ts';

describe('command table', () => {
  it('has one entry per file of cli/commands', () => {
    const files = readdirSync(new URL('../../cli/commands/', import.meta.url))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3))
      .sort();
    expect(Object.keys(COMMANDS).sort()).toEqual(files);
  });

  it.each(Object.keys(COMMANDS))('%s registers the command of that name', async (name) => {
    const program = new Command();
    (await COMMANDS[name]()).register(program);
    expect(program.commands.map((c) => c.name())).toContain(name);
  });
});
