// Stages: a commit too large for one request uploads its pages in parts (POST /stage/{id}) and
// names the stage in the commit. Staged bytes go straight into blobs, so publishing a stage
// moves references, never page bytes. An unpublished stage expires stageTtlMs after its last
// upload.
import { parseFrames } from "./frames";
import { HttpError, MAX_BODY, MAX_PGNO, checkPageSize, json, parseUint, readBody } from "./http";
import { type PageStore, checkPageSizeChange } from "./storage";

export async function stage(store: PageStore, request: Request, url: URL, stageId: string): Promise<Response> {
  const ttl = store.config.stageTtlMs;
  const psq = parseUint(url.searchParams.get("pageSize"), "pageSize", "invalid_page_size");
  checkPageSize(psq, "pageSize parameter");
  store.requireDb();
  const body = await readBody(request, MAX_BODY, "stage");
  const m = store.requireDb();
  const pageSize = psq ?? m.page_size;
  checkPageSizeChange(m, pageSize);
  const pages = parseFrames(body, pageSize, MAX_PGNO);
  const now = Date.now();
  const total = store.transaction(() => {
    const st = store.sql.exec("SELECT page_size, updated_ms FROM stages WHERE stage_id = ?", stageId).toArray()[0];
    if (st && (st.updated_ms as number) < now - ttl) {
      dropStage(store, stageId);
    } else if (st && (st.page_size as number) !== pageSize) {
      throw new HttpError(400, "page_size_mismatch", `Stage ${stageId} holds pages of size ${st.page_size}, not ${pageSize}.`);
    }
    store.sql.exec(
      "INSERT INTO stages(stage_id, page_size, updated_ms) VALUES (?, ?, ?) ON CONFLICT(stage_id) DO UPDATE SET updated_ms = excluded.updated_ms, page_size = excluded.page_size",
      stageId,
      pageSize,
      now,
    );
    for (const p of pages.values()) {
      // A page uploaded again replaces the earlier image, whose blob nobody needs any more.
      store.sql.exec("DELETE FROM blobs WHERE id = (SELECT blob_id FROM stage_refs WHERE stage_id = ? AND pgno = ?)", stageId, p.pgno);
      const blobId = store.sql.exec("INSERT INTO blobs(data) VALUES (?) RETURNING id", p.data).one().id as number;
      store.sql.exec(
        "INSERT OR REPLACE INTO stage_refs(stage_id, pgno, blob_id, crc, kind) VALUES (?, ?, ?, ?, ?)",
        stageId,
        p.pgno,
        blobId,
        p.crc,
        p.kind,
      );
    }
    return store.sql.exec("SELECT COUNT(*) AS c FROM stage_refs WHERE stage_id = ?", stageId).one().c as number;
  });
  // Expired stages are also removed by an alarm, so they go away even if no commit follows.
  try {
    if ((await store.storage.getAlarm()) === null) await store.storage.setAlarm(now + ttl + 1000);
  } catch (e) {
    console.error("setAlarm failed", e);
  }
  return json(200, { stageId, pages: total });
}

/** After an alarm's GC: when the oldest stage left expires (the next alarm), or null if none is left. */
export function nextStageExpiry(store: PageStore): number | null {
  const left = store.sql.exec("SELECT MIN(updated_ms) AS m FROM stages").toArray()[0];
  return left && left.m !== null ? Math.max(Date.now(), (left.m as number) + store.config.stageTtlMs) + 1000 : null;
}

/** Forget a stage and the bytes of its pages. */
function dropStage(store: PageStore, stageId: string): void {
  store.sql.exec("DELETE FROM blobs WHERE id IN (SELECT blob_id FROM stage_refs WHERE stage_id = ?)", stageId);
  store.sql.exec("DELETE FROM stage_refs WHERE stage_id = ?", stageId);
  store.sql.exec("DELETE FROM stages WHERE stage_id = ?", stageId);
}

/** Bounded: a few expired stages per GC pass. */
export function dropExpiredStages(store: PageStore, now: number): void {
  const expired = store.sql.exec("SELECT stage_id FROM stages WHERE updated_ms < ? LIMIT 10", now - store.config.stageTtlMs).toArray();
  for (const s of expired) dropStage(store, s.stage_id as string);
}

/** Whether a commit of `pageCount` pages of `pageSize` may publish the stage; inside its transaction. */
export function checkStage(store: PageStore, stageId: string, pageSize: number, pageCount: number, now: number): void {
  const ttl = store.config.stageTtlMs;
  const st = store.sql.exec("SELECT page_size, updated_ms FROM stages WHERE stage_id = ?", stageId).toArray()[0];
  if (!st || (st.updated_ms as number) < now - ttl) {
    throw new HttpError(404, "unknown_stage", `Stage ${stageId} does not exist or expired (stages live ${Math.round(ttl / 60000)} minutes after their last upload); upload the pages again with POST /stage/{stageId}.`);
  }
  if ((st.page_size as number) !== pageSize) {
    throw new HttpError(400, "page_size_mismatch", `Stage ${stageId} holds pages of size ${st.page_size} but the commit says pageSize=${pageSize}.`);
  }
  const mx = store.sql.exec("SELECT MAX(pgno) AS mx FROM stage_refs WHERE stage_id = ?", stageId).toArray()[0];
  if (mx && mx.mx !== null && (mx.mx as number) > pageCount) {
    throw new HttpError(400, "page_out_of_range", `Stage ${stageId} holds page ${mx.mx}, beyond pageCount ${pageCount}.`);
  }
}

/**
 * Make the stage's pages part of version `n`, after the commit's body pages were written
 * (body pages of the same number win). The new rows take over the stage's blobs by reference.
 */
export function publishStage(store: PageStore, stageId: string, n: number, bodyPages: boolean): void {
  if (bodyPages) {
    // Staged images a body page replaces are owned by nobody after this commit.
    store.sql.exec(
      `DELETE FROM blobs WHERE id IN (
         SELECT r.blob_id FROM stage_refs r JOIN pages p ON p.pgno = r.pgno AND p.version = ? WHERE r.stage_id = ?)`,
      n,
      stageId,
    );
  }
  store.sql.exec(
    `UPDATE pages SET superseded_by = ? WHERE superseded_by IS NULL AND version < ?
       AND pgno IN (SELECT pgno FROM stage_refs WHERE stage_id = ?)`,
    n,
    n,
    stageId,
  );
  store.sql.exec(
    `INSERT OR IGNORE INTO pages(pgno, version, data, crc, kind, superseded_by, blob_id)
       SELECT pgno, ?, NULL, crc, kind, NULL, blob_id FROM stage_refs WHERE stage_id = ?`,
    n,
    stageId,
  );
  store.sql.exec("DELETE FROM stage_refs WHERE stage_id = ?", stageId);
  store.sql.exec("DELETE FROM stages WHERE stage_id = ?", stageId);
}
