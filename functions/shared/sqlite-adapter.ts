// Stands in for better-sqlite3 inside the Lambda bundles (esbuild alias): the few calls core makes, on node:sqlite.
//
// core/restore/integrity.ts opens the restored file and runs PRAGMA quick_check. better-sqlite3 is a native addon
// that would need an arm64 build in the asset; Node 24's built-in SQLite does the same check with nothing bundled.
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

export interface AdapterOptions {
  fileMustExist?: boolean;
  readonly?: boolean;
}

export default class Database {
  readonly name: string;
  #db: DatabaseSync;

  constructor(path: string, options: AdapterOptions = {}) {
    if (options.fileMustExist && !existsSync(path)) throw new Error(`unable to open database file: ${path} does not exist`);
    this.name = path;
    this.#db = new DatabaseSync(path, { readOnly: options.readonly ?? false });
  }

  /** `db.pragma('quick_check')` → rows as objects, like better-sqlite3 without `{ simple: true }`. */
  pragma(source: string): Array<Record<string, unknown>> {
    return this.#db.prepare(`PRAGMA ${source}`).all() as Array<Record<string, unknown>>;
  }

  exec(sql: string): this {
    this.#db.exec(sql);
    return this;
  }

  close(): this {
    this.#db.close();
    return this;
  }
}
