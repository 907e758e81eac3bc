import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PveHttpError } from "./errors.ts";
import { parseMultipart } from "./multipart.ts";

const CT = "multipart/form-data; boundary=XyZ";
const part = (headers: string, body: string) => `--XyZ\r\n${headers}\r\n\r\n${body}\r\n`;

describe("parseMultipart", () => {
  it("reads the known fields then the file part", () => {
    const body = Buffer.from(
      part('Content-Disposition: form-data; name="content"', "iso") +
        part(
          'Content-Disposition: form-data; name="filename"; filename="user-data-101.iso"\r\nContent-Type: application/octet-stream',
          "ISO\r\nDATA",
        ) +
        "--XyZ--\r\n",
    );
    const out = parseMultipart(CT, body);
    assert.deepEqual(out.fields, { content: "iso" });
    assert.equal(out.file?.fileName, "user-data-101.iso");
    assert.equal(out.file?.data.toString(), "ISO\r\nDATA");
  });

  it("fails like pveproxy on a text part named filename or an unknown field", () => {
    const textFilename = Buffer.from(part('Content-Disposition: form-data; name="filename"', "x.iso") + "--XyZ--\r\n");
    assert.throws(
      () => parseMultipart(CT, textFilename),
      (e) => e instanceof PveHttpError && e.status === 500,
    );
    const unknown = Buffer.from(part('Content-Disposition: form-data; name="node"', "pve1") + "--XyZ--\r\n");
    assert.throws(
      () => parseMultipart(CT, unknown),
      (e) => e instanceof PveHttpError && e.status === 500,
    );
  });
});
