// install/Dockerfile, checked statically (no Docker engine here): base image, non-root user, and a HEALTHCHECK
// on /readyz whose node command is run against a real HTTP server.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n').replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => {
      const [keyword, ...rest] = l.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

const instructions = parseDockerfile(readFileSync(new URL('../../install/Dockerfile', import.meta.url), 'utf8'));
const finalStage = instructions.slice(instructions.findLastIndex((i) => i.keyword === 'FROM'));
const one = (keyword: string): Instruction[] => finalStage.filter((i) => i.keyword === keyword);

/** The exec-form command of HEALTHCHECK ... CMD [...]. */
function healthcheckCommand(): string[] {
  const [check] = one('HEALTHCHECK');
  const json = check.args.slice(check.args.indexOf('CMD') + 3).trim();
  return JSON.parse(json) as string[];
}

describe('install/Dockerfile', () => {
  it('builds on the Node.js 24 slim image', () => {
    expect(finalStage[0].args).toMatch(/^node:24(\.\d+)*-(\w+-)?slim(@sha256:[0-9a-f]{64})?$/);
  });

  it('runs as a non-root user from a package, with streambed as the entry point', () => {
    const users = one('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)!.args).not.toMatch(/^(root|0)(:|$)/);
    expect(one('COPY').some((c) => /streambed-\*\.tgz/.test(c.args))).toBe(true);
    expect(one('RUN').some((r) => /npm install -g .*streambed-\*\.tgz/.test(r.args))).toBe(true);
    expect(JSON.parse(one('ENTRYPOINT')[0].args)).toEqual(['streambed']);
  });

  it('checks health with node (the slim image has no curl) on /readyz', () => {
    const command = healthcheckCommand();
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('/readyz');
    expect(command.join(' ')).not.toMatch(/\b(curl|wget)\b/);
    expect(one('HEALTHCHECK')[0].args).toMatch(/--start-period=\d+s/);
  });

  describe('the HEALTHCHECK command', () => {
    let server: Server;
    let status = 200;
    let port = 0;
    const paths: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        paths.push(req.url ?? '');
        res.writeHead(req.url === '/readyz' ? status : 404).end(JSON.stringify({ ready: status === 200 }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const check = async (env: NodeJS.ProcessEnv): Promise<number> => {
      const [, ...args] = healthcheckCommand();
      return run(process.execPath, args, { env: { ...process.env, ...env }, timeout: 20_000 }).then(
        () => 0,
        (err: { code?: number }) => err.code ?? -1,
      );
    };

    it('exits 0 while /readyz answers 200 and 1 when it answers 503', async () => {
      status = 200;
      expect(await check({ STREAMBED_HEALTH_PORT: String(port) })).toBe(0);
      status = 503;
      expect(await check({ STREAMBED_HEALTH_PORT: String(port) })).toBe(1);
      expect(paths).toEqual(['/readyz', '/readyz']);
    });

    it('exits 1 when nothing listens', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const free = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      expect(await check({ STREAMBED_HEALTH_PORT: String(free) })).toBe(1);
    });
  });
});
