// The automerge-repo sync server that fieldledger is measured against.
//
//   node server.mjs seed DATA_DIR WORKLOAD_DIR   stores the workload's documents in DATA_DIR, exits
//   node server.mjs serve DATA_DIR PORT          serves DATA_DIR over websockets on 127.0.0.1:PORT
//
// Serving prints "listening" once the port is open. The server announces nothing of its own
// accord (as automerge-repo's sync-server does) and gives every peer the documents it asks for.
// Storage is NodeFSStorageAdapter: one file per chunk, written with fs.writeFile (no fsync).
import { Repo } from "@automerge/automerge-repo";
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket";
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs";
import { WebSocketServer } from "ws";
import { documents } from "./workload.mjs";

const [command, dataDir, arg] = process.argv.slice(2);

if (command === "seed") {
  const repo = new Repo({ storage: new NodeFSStorageAdapter(dataDir), network: [] });
  for (const [docId, bytes] of documents(arg)) {
    repo.import(bytes, { docId });
  }
  await repo.flush();
  await repo.shutdown();
  process.exit(0);
} else if (command === "serve") {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: Number(arg) });
  const repo = new Repo({
    network: [new NodeWSServerAdapter(wss)],
    storage: new NodeFSStorageAdapter(dataDir),
    shareConfig: { announce: async () => false, access: async () => true },
  });
  wss.on("listening", () => console.log("listening"));
  const stop = async () => {
    await repo.flush();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  console.error("usage: node server.mjs seed DATA_DIR WORKLOAD_DIR | serve DATA_DIR PORT");
  process.exit(2);
}
