// The engine subprocess: JSON-RPC 2.0 over stdio (engine/protocol.ts). stdout carries only protocol messages, so every
// log line, including stray console output of libraries, goes to stderr, which the extension shows as its engine log.
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { connectRemoteBackend } from './openai/client/remote-backend';
import { SharedServer } from './openai/server/shared-server';
import { EngineService } from './service/engine-service';
import { modelCritic } from './service/proof-critic';
import { registerEngineHandlers } from './service/rpc';

function log(line: string): void {
  process.stderr.write(`[engine ${new Date().toISOString().slice(11, 23)}] ${line}\n`);
}

// A library printing to stdout would corrupt the protocol stream.
for (const name of ['log', 'info', 'debug'] as const) {
  console[name] = (...args: unknown[]) => log(args.map(String).join(' '));
}

const writer = new StreamMessageWriter(process.stdout);
// The last reply written, so `shutdown` can leave only after its answer is out.
let lastWrite: Promise<void> = Promise.resolve();
const write = writer.write.bind(writer);
writer.write = (message) => (lastWrite = write(message));
const connection = createMessageConnection(new StreamMessageReader(process.stdin), writer);
// The runtime (onnxruntime) and the proof checker (CAS, SMT) load on first use: the engine answers `initialize`
// at once, and a session that never checks a proof never pays for the math libraries.
const runtime = () => import('./runtime/load-model');
const service = new EngineService({
  loadModel: async (dir, opts) => (await runtime()).loadModel(dir, opts),
  validateModel: async (dir, opts) => (await runtime()).validateModel(dir, opts),
});

let exiting = false;
async function exit(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  try {
    await service.dispose();
  } catch (err) {
    log(`dispose failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  connection.dispose();
  process.exit(code);
}

registerEngineHandlers(connection, service, {
  log,
  connectRemote: connectRemoteBackend,
  serve: new SharedServer(service, log),
  checkProof: async (params, { signal }) =>
    (await import('./math/check')).checkProof(params, {
      signal,
      critic: params.withModelCritique ? modelCritic(service, signal) : undefined,
    }),
  onShutdown: () => void lastWrite.finally(() => exit(0)),
});

// The extension host went away (or closed our stdin): nothing is left to serve.
connection.onClose(() => void exit(0));
process.stdin.on('end', () => void exit(0));
process.on('uncaughtException', (err) => {
  log(`uncaught exception: ${err.stack ?? err.message}`);
  void exit(70);
});
process.on('unhandledRejection', (reason) =>
  log(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`),
);

connection.listen();
log(`started (pid ${process.pid}, node ${process.version})`);
