// Reads the workload files that fieldledger-compare writes (see tools/src/compare/workload.rs):
// each file is a sequence of frames, a frame being a little-endian u32 length and that many bytes.
import { readFileSync } from "node:fs";
import { interpretAsDocumentId } from "@automerge/automerge-repo";

/** The frames of the file at `path`, in order. */
export function frames(path) {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = [];
  let at = 0;
  while (at < bytes.length) {
    const length = view.getUint32(at, true);
    out.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return out;
}

/** The automerge-repo document id of a ticket's 16 id bytes. */
export function documentId(idBytes) {
  return interpretAsDocumentId(new Uint8Array(idBytes));
}

/** `docs.bin`: each ticket's document id and its bytes as the office holds them before the run. */
export function documents(dir) {
  const all = frames(`${dir}/docs.bin`);
  const docs = new Map();
  for (let i = 0; i + 1 < all.length; i += 2) {
    docs.set(documentId(all[i]), all[i + 1]);
  }
  return docs;
}

/** `client-N.bin`: per ticket of client N, its id, its offline changes and the expected heads. */
export function clientWork(dir, client) {
  const all = frames(`${dir}/client-${client}.bin`);
  const work = [];
  for (let i = 0; i + 2 < all.length; i += 3) {
    const heads = [];
    for (let h = 0; h < all[i + 2].length; h += 32) {
      heads.push(Buffer.from(all[i + 2].subarray(h, h + 32)).toString("hex"));
    }
    work.push({ docId: documentId(all[i]), changes: all[i + 1], heads: heads.sort() });
  }
  return work;
}
