import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { newResource } from "./model.ts";
import { ResourceStore } from "./store.ts";
import { encodeBookmark, openWatch, type WatchRequestSpec } from "./watch.ts";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const thing = (id: string) => newResource({ namespace: "ns", type: "T", id });

const watchSpec = (extra: Partial<WatchRequestSpec> = {}): WatchRequestSpec => ({
  namespace: "ns",
  type: "T",
  bootstrapContents: false,
  bootstrapBookmark: false,
  tailEvents: 0,
  query: { labelQueries: [], idRegexp: "" },
  aggregated: false,
  apiVersion: 1,
  ...extra,
});

describe("ResourceStore persistence", () => {
  it("replays the journal after a crash and ignores a torn last line", () => {
    const dir = mkdtempSync(join(tmpdir(), "omni-store-"));
    dirs.push(dir);
    const store = new ResourceStore({ dataDir: dir });
    store.create(thing("a"), "o");
    const a = store.get("ns", "T", "a")!;
    store.update(a, { owner: "o" });
    // No flush(): simulate a crash, with half an event written.
    appendFileSync(join(dir, "journal.jsonl"), '{"revision":99,"type":"crea');
    const reopened = new ResourceStore({ dataDir: dir });
    assert.equal(reopened.get("ns", "T", "a")?.metadata.version, 2);
    assert.equal(reopened.revision, store.revision);
    assert.equal(reopened.storeId, store.storeId);
    reopened.create(thing("b"), "");
    assert.equal(new ResourceStore({ dataDir: dir }).get("ns", "T", "b")?.metadata.version, 1);
  });

  it("expires bookmarks that fell out of the bounded history", () => {
    const store = new ResourceStore({ historySize: 2 });
    store.create(thing("a"), "");
    const early = encodeBookmark(store.storeId, store.revision);
    store.create(thing("b"), "");
    store.create(thing("c"), "");
    store.create(thing("d"), "");
    assert.throws(() => openWatch(store, watchSpec({ startFromBookmark: early })), { code: "failed_precondition" });
    const recent = encodeBookmark(store.storeId, store.revision - 1);
    const stream = openWatch(store, watchSpec({ startFromBookmark: recent }));
    stream.close();
    assert.throws(() => openWatch(store, watchSpec({ startFromBookmark: encodeBookmark(store.storeId, 999) })), {
      code: "failed_precondition",
    });
  });

  it("rejects option mixes COSI refuses", () => {
    const store = new ResourceStore();
    assert.throws(() => openWatch(store, watchSpec({ bootstrapContents: true, tailEvents: 1 })), {
      code: "invalid_argument",
    });
    assert.throws(() => openWatch(store, watchSpec({ id: "x", query: { labelQueries: [], idRegexp: "x" } })), {
      code: "unimplemented",
    });
  });
});
