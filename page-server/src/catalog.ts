// The catalog: one Durable Object (idFromName("__catalog__")) that lists database names.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "./config";

export class CatalogDO extends DurableObject<Env> {
  private ready = false;

  private init(): void {
    if (this.ready) return;
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS dbs(name TEXT PRIMARY KEY, created_ms INTEGER NOT NULL)");
    this.ready = true;
  }

  async register(name: string): Promise<void> {
    this.init();
    this.ctx.storage.sql.exec("INSERT OR IGNORE INTO dbs(name, created_ms) VALUES (?, ?)", name, Date.now());
  }

  async unregister(name: string): Promise<void> {
    this.init();
    this.ctx.storage.sql.exec("DELETE FROM dbs WHERE name = ?", name);
  }

  async list(): Promise<string[]> {
    this.init();
    return this.ctx.storage.sql
      .exec("SELECT name FROM dbs ORDER BY name")
      .toArray()
      .map((r) => r.name as string);
  }
}
