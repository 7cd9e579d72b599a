// A model a store named -> what the Select Model list shows: architecture, parameters, size, quantization, and
// whether the engine can run it, or why not. Headers only: a GGUF header through @huggingface/gguf, safetensors
// headers and config.json; a DeepSeek checkpoint then goes through the engine's own validation (validateModel reads
// headers and the tokenizer, never weights), so "runnable" here means what Select Model will accept.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gguf, GGMLFileQuantizationType, GGMLQuantizationType, parseGgufShardFilename } from '@huggingface/gguf';
import { blockValues, byteLength, ggmlTypeName } from '../checkpoint/ggml-types';
import { readHeaderJson } from '../checkpoint/safetensors';
import { EngineError } from '../errors';
import type { DiscoveredModel, NotRunnableKind } from '../protocol';
import { ggufShardFiles } from '../checkpoint/gguf';
import { validateModel } from '../runtime/load-model';
import type { Candidate } from './stores';

const GGUF_ARCHITECTURE = 'deepseek2';
const MODEL_TYPES = ['deepseek_v2', 'deepseek_v3'];

const message = (e: unknown) => String(e instanceof Error ? e.message : e).slice(0, 300);

export async function describe(c: Candidate): Promise<DiscoveredModel> {
  const base = { path: c.path, source: c.source, name: c.name, format: c.format };
  const not = (kind: NotRunnableKind, detail: string, more: Partial<DiscoveredModel> = {}): DiscoveredModel => ({
    ...base,
    sizeBytes: 0,
    ...more,
    notRunnable: { kind, detail },
  });
  if (c.incomplete) return not('incomplete', c.incomplete);
  try {
    return c.format === 'gguf' ? await describeGguf(c, not) : await describeFolder(c, not);
  } catch (e) {
    return not('unreadable', message(e));
  }
}

type Not = (kind: NotRunnableKind, detail: string, more?: Partial<DiscoveredModel>) => DiscoveredModel;

/** The majority of a count by name (the quantization of a model whose tensors mix types). */
function majority(counts: Map<string, number>): string | undefined {
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

async function describeGguf(c: Candidate, not: Not): Promise<DiscoveredModel> {
  const size = statSync(c.path).size;
  if (c.expectedBytes !== undefined && c.expectedBytes > size)
    return not('incomplete', `incomplete download: the file has ${size} bytes, its store records ${c.expectedBytes}`, {
      sizeBytes: size,
    });
  let parsed;
  try {
    parsed = await gguf(c.path, { allowLocalFile: true, computeParametersCount: true });
  } catch (e) {
    return not('unreadable', `not a readable GGUF file (${message(e)})`, { sizeBytes: size });
  }
  const metadata = parsed.metadata as Record<string, unknown>;
  // a later shard of a split model holds no architecture: it is named as a shard below
  const arch = metadata['general.architecture'];
  const architecture = typeof arch === 'string' ? arch : undefined;
  const fileType = metadata['general.file_type'];
  const typeValues = new Map<string, number>();
  for (const t of parsed.tensorInfos) {
    const name = GGMLQuantizationType[t.dtype] ?? `type ${t.dtype}`;
    typeValues.set(name, (typeValues.get(name) ?? 0) + t.shape.reduce((a, b) => a * Number(b), 1));
  }
  const quantization =
    (typeof fileType === 'number' ? GGMLFileQuantizationType[fileType] : undefined) ?? majority(typeValues);
  const described: Partial<DiscoveredModel> & { sizeBytes: number } = {
    sizeBytes: size,
    architecture,
    quantization,
    parameters: parsed.parameterCount,
  };

  const incomplete = ggufShortfall(parsed, size);
  if (incomplete)
    return not(
      'incomplete',
      `incomplete download: the file has ${size} bytes, its header needs ${incomplete}`,
      described,
    );

  const splitCount = Number(metadata['split.count'] ?? 1);
  if (splitCount > 1) {
    const shard = parseGgufShardFilename(c.path);
    const index = Number(metadata['split.no'] ?? (shard ? Number(shard.shard) - 1 : 0)) + 1;
    if (index !== 1)
      return not('split-shard', `split GGUF shard ${index} of ${splitCount}: choose the first`, {
        ...described,
        parameters: undefined,
      });
    if (shard) {
      const files = ggufShardFiles(c.path);
      const missing = files.findIndex((f) => !existsSync(f));
      described.sizeBytes = files.reduce((n, f) => n + (existsSync(f) ? statSync(f).size : 0), 0);
      described.parameters = undefined; // this shard's tensors only; the validation below counts them all
      if (missing >= 0)
        return not('incomplete', `incomplete download: shard ${missing + 1} of ${splitCount} is missing`, described);
    }
  }
  if (architecture === undefined)
    return not('unreadable', "the GGUF metadata has no 'general.architecture'", described);
  if (architecture !== GGUF_ARCHITECTURE)
    return not(
      'architecture',
      `architecture ${architecture} is not supported yet (the engine runs DeepSeek-V2/V3: ${GGUF_ARCHITECTURE})`,
      described,
    );
  return validated(c, described, not);
}

/**
 * Bytes the header says the file needs, when the file is shorter: the parser reads past the end as zeros, so a file
 * cut short shows as a header or a tensor ending beyond it. A type the engine does not read still has a start.
 */
function ggufShortfall(
  parsed: {
    tensorInfoByteRange: [number, number];
    tensorDataOffset: bigint;
    tensorInfos: { dtype: number; shape: bigint[]; offset: bigint }[];
  },
  size: number,
): number | undefined {
  let needed = parsed.tensorInfoByteRange[1];
  for (const t of parsed.tensorInfos) {
    const start = Number(parsed.tensorDataOffset) + Number(t.offset);
    const type = ggmlTypeName(t.dtype);
    const count = t.shape.reduce((a, b) => a * Number(b), 1);
    const end = type && count % blockValues(type) === 0 ? start + byteLength(type, count) : start + 1;
    needed = Math.max(needed, end);
  }
  return needed > size ? needed : undefined;
}

async function describeFolder(c: Candidate, not: Not): Promise<DiscoveredModel> {
  const config = readJson(join(c.path, 'config.json')) as {
    model_type?: unknown;
    architectures?: unknown;
    quantization_config?: { quant_method?: unknown };
  };
  const architecture =
    typeof config.model_type === 'string'
      ? config.model_type
      : Array.isArray(config.architectures) && typeof config.architectures[0] === 'string'
        ? config.architectures[0]
        : undefined;
  if (!architecture) return not('unreadable', 'config.json names no model_type or architectures');
  const indexFile = join(c.path, 'model.safetensors.index.json');
  // only files of this folder, as the loader takes them (it names any other entry of the index as the fault)
  const files = existsSync(indexFile)
    ? [...new Set(Object.values((readJson(indexFile) as { weight_map?: object }).weight_map ?? {}))].filter(
        (f): f is string => typeof f === 'string' && /^[^/\\]+\.safetensors$/.test(f),
      )
    : readdirSync(c.path).filter((f) => f.endsWith('.safetensors'));
  const present = files.filter((f) => existsSync(join(c.path, f)));
  const sizeBytes = present.reduce((n, f) => n + statSync(join(c.path, f)).size, 0);
  if (files.length === 0 || present.length < files.length) {
    if (files.length > 0 || c.downloading)
      return not(
        'incomplete',
        `incomplete download: ${files.length - present.length} of ${files.length || '?'} weight files missing`,
        { architecture, sizeBytes },
      );
    return not('unreadable', 'no *.safetensors weights beside config.json', { architecture, sizeBytes });
  }
  const dtypeBytes = new Map<string, number>();
  let parameters = 0;
  for (const f of present) {
    const { header, dataStart, size } = readHeaderJson(join(c.path, f));
    for (const [name, v] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const [begin, end] = Array.isArray(t.data_offsets) ? (t.data_offsets as number[]) : [0, 0];
      if (dataStart + end > size)
        return not('incomplete', `incomplete download: ${f} has ${size} bytes, its header needs ${dataStart + end}`, {
          architecture,
          sizeBytes,
        });
      if (typeof t.dtype === 'string') dtypeBytes.set(t.dtype, (dtypeBytes.get(t.dtype) ?? 0) + (end - begin));
      if (Array.isArray(t.shape)) parameters += (t.shape as number[]).reduce((a, b) => a * b, 1);
    }
  }
  const method = config.quantization_config?.quant_method;
  const dtype = majority(dtypeBytes);
  const quantization = typeof method === 'string' ? `${method}${dtype ? ` (${dtype})` : ''}` : dtype;
  const described = { architecture, sizeBytes, parameters, quantization };
  if (!MODEL_TYPES.includes(architecture))
    return not(
      'architecture',
      `architecture ${architecture} is not supported yet (the engine runs DeepSeek-V2/V3: ${MODEL_TYPES.join(', ')})`,
      described,
    );
  return validated(c, described, not);
}

function readJson(file: string): unknown {
  if (statSync(file).size > 50_000_000) throw new Error(`${file}: larger than a config file`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${message(e)})`, { cause: e });
  }
}

/** The engine's own check, as Select Model runs it; its parameter count is the one model/load reports. */
async function validated(
  c: Candidate,
  described: Partial<DiscoveredModel> & { sizeBytes: number },
  not: Not,
): Promise<DiscoveredModel> {
  try {
    const { info } = await validateModel(c.path);
    return {
      path: c.path,
      source: c.source,
      name: c.name,
      format: c.format,
      ...described,
      parameters: info.parameters,
    };
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    return not('invalid', message(e), described);
  }
}
