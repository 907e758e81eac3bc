/**
 * Streamed `multipart/form-data` bodies for `POST …/storage/{storage}/upload`. Proxmox parses the parts
 * in a fixed order — text fields (`content`, `checksum-algorithm`, `checksum`) first, then one file part
 * named `filename` — and refuses chunked encoding, so the total length is computed up front.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { ProxmoxError } from "./errors.ts";
import type { MultipartBody } from "./transport.ts";

/** Where the uploaded bytes come from: a file path, or a stream whose length is known. */
export type UploadSource = { path: string } | { stream: Readable | AsyncIterable<Uint8Array>; size: number };

/**
 * Builds the upload body. `fields` are written in the order given, so pass `content` first.
 *
 * @example
 * const body = await uploadBody([["content", "iso"]], "user-data-101.iso", { path: "/tmp/user-data-101.iso" });
 */
export async function uploadBody(
  fields: ReadonlyArray<readonly [string, string]>,
  fileName: string,
  source: UploadSource,
): Promise<MultipartBody> {
  if (/["\r\n/\\]/.test(fileName) || fileName === "") {
    throw new ProxmoxError(
      "invalid_params",
      `upload file name '${fileName}' must be a plain name without quotes, slashes or newlines`,
      {
        params: { filename: "invalid file name" },
      },
    );
  }
  const size = "path" in source ? (await stat(source.path)).size : source.size;
  const boundary = `----omni-proxmox-${randomBytes(12).toString("hex")}`;
  const head = Buffer.from(
    fields
      .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join("") +
      `--${boundary}\r\nContent-Disposition: form-data; name="filename"; filename="${fileName}"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + size + tail.length,
    stream: () => parts(head, "path" in source ? () => createReadStream(source.path) : () => source.stream, tail),
  };
}

/**
 * The body parts in order. The file is opened only once the body is read: a request that fails before
 * sending (connection refused, TLS) must not leave a file descriptor open.
 */
async function* parts(
  head: Buffer,
  open: () => Readable | AsyncIterable<Uint8Array>,
  tail: Buffer,
): AsyncIterable<Uint8Array> {
  yield head;
  for await (const chunk of open()) yield typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Uint8Array);
  yield tail;
}

/** The upload file name for a path (its base name). */
export function uploadName(path: string): string {
  return basename(path);
}
