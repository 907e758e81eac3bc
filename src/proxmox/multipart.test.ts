import assert from "node:assert/strict";
import fs, { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, mock } from "node:test";
import { uploadBody } from "./multipart.ts";

async function drain(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

describe("uploadBody", () => {
  let dir: string;
  let path: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "pve-multipart-"));
    path = join(dir, "user-data.iso");
    writeFileSync(path, "iso bytes");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the fields, then the file part, with the exact length", async () => {
    const body = await uploadBody([["content", "iso"]], "user-data.iso", { path });
    const text = await drain(body.stream());
    assert.equal(Buffer.byteLength(text), body.length);
    assert.ok(text.indexOf('name="content"') < text.indexOf('name="filename"; filename="user-data.iso"'));
    assert.match(text, /\r\n\r\niso bytes\r\n--/);
  });

  it("opens the file only when the body is read, so an unsent request leaks no descriptor", async () => {
    const opened = mock.method(fs, "createReadStream");
    syncBuiltinESMExports();
    try {
      const body = await uploadBody([["content", "iso"]], "user-data.iso", { path });
      const unsent = body.stream();
      assert.ok(unsent);
      assert.equal(opened.mock.callCount(), 0);
      await drain(body.stream());
      assert.equal(opened.mock.callCount(), 1);
    } finally {
      opened.mock.restore();
      syncBuiltinESMExports();
    }
  });
});
