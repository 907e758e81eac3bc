import { dieError, PveHttpError } from "./errors.ts";

export interface MultipartUpload {
  /** Text fields before the file part (`content`, `checksum-algorithm`, `checksum`). */
  fields: Record<string, string>;
  file?: { fileName: string; data: Buffer };
}

/** Text fields pveproxy's upload parser understands, in the order it expects them. */
const KNOWN_FIELDS = ["content", "checksum-algorithm", "checksum"];

/**
 * Parses a `multipart/form-data` upload the way pveproxy does: known text fields first, then a file part
 * named `filename` carrying `filename="<name>"`. A text part called `filename` (no file attribute) or any
 * other field name is a 500, as with the real regex-based parser.
 */
export function parseMultipart(contentType: string, body: Buffer): MultipartUpload {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (!b) throw new PveHttpError(400, "multipart boundary missing");
  const delimiter = Buffer.from(`--${b}`);
  const out: MultipartUpload = { fields: {} };
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw dieError("wrong Content-Disposition: no multipart boundary found");
  while (pos >= 0) {
    const afterDelim = pos + delimiter.length;
    if (body.subarray(afterDelim, afterDelim + 2).toString() === "--") break;
    const headerStart = afterDelim + 2;
    const headerEnd = body.indexOf("\r\n\r\n", headerStart);
    if (headerEnd < 0) throw dieError("wrong Content-Disposition: incomplete part header");
    const headers = body.subarray(headerStart, headerEnd).toString("utf8");
    const next = body.indexOf(Buffer.from(`\r\n--${b}`), headerEnd + 4);
    if (next < 0) throw dieError("upload body ended before the closing boundary");
    const content = body.subarray(headerEnd + 4, next);
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1];
    if (!disposition) throw dieError("wrong Content-Disposition in upload part");
    const name = /\bname="([^"]*)"/.exec(disposition)?.[1];
    const fileName = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
    if (fileName !== undefined) {
      if (name !== "filename") throw dieError(`wrong field name for file upload '${name}'`);
      out.file = { fileName, data: Buffer.from(content) };
      break;
    }
    if (!name || !KNOWN_FIELDS.includes(name)) throw dieError(`wrong field name '${name}'`);
    out.fields[name] = content.toString("utf8");
    pos = next + 2;
  }
  return out;
}
