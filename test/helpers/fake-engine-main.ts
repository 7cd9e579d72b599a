// A fake engine process for the supervisor's tests of hangs and cancellation (fake boundary: the real engine cannot
// be made to hang on demand). It speaks the real protocol over stdio; FAKE_ENGINE_CHAT says what `chat` does:
//   'hang'           blocks the main loop (a busy loop), so not even `ping` is answered
//   'ignore-cancel'  never answers and ignores $/cancelRequest, while the main loop stays free
//   'echo'           answers with the last user message
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  ChatRequest,
  InitializeRequest,
  ModelLoadRequest,
  PingRequest,
  PROTOCOL_VERSION,
  ShutdownRequest,
  type ChatParams,
  type ChatResult,
  type ModelInfo,
} from '../../engine/protocol';

const connection = createMessageConnection(
  new StreamMessageReader(process.stdin),
  new StreamMessageWriter(process.stdout),
);
const mode = process.env.FAKE_ENGINE_CHAT ?? 'echo';
const model: ModelInfo = {
  path: '/fake',
  name: 'fake',
  modelType: 'fake',
  vocabSize: 1,
  layers: 1,
  moeLayers: 0,
  routedExperts: 0,
  activeExperts: 0,
  parameters: 1,
  precision: 'f32',
  hasTokenizer: true,
  hasChatTemplate: true,
  hasRoutingProfile: false,
};
connection.onRequest(InitializeRequest, () => ({ protocolVersion: PROTOCOL_VERSION, engineVersion: 'fake' }));
connection.onRequest(ModelLoadRequest, () => model);
connection.onRequest(PingRequest, () => ({ pid: process.pid }));
connection.onRequest(ShutdownRequest, () => void setImmediate(() => process.exit(0)));
connection.onRequest(ChatRequest, (params: ChatParams): Promise<ChatResult> => {
  if (mode === 'hang') for (;;);
  if (mode === 'ignore-cancel') return new Promise<ChatResult>(() => undefined);
  const text = params.messages[params.messages.length - 1]?.content ?? '';
  return Promise.resolve({
    text,
    stopReason: 'stop',
    stats: {
      promptTokens: 1,
      reusedTokens: 0,
      generatedTokens: 1,
      prefillTokensPerS: 0,
      decodeTokensPerS: 0,
      timeToFirstTokenMs: 0,
    },
  });
});
connection.listen();
process.stdin.on('end', () => process.exit(0));
