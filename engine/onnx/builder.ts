// A small ONNX graph builder: nodes by op name, weights written to an external-data file (page aligned, so
// onnxruntime memory-maps them), small constants inline. Produces a serialized ModelProto.
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { onnx } from 'onnx-proto';

const F32 = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;
/** mmap needs page-aligned offsets; 64 KiB also satisfies systems with a larger allocation granularity */
const ALIGN = 65536;

export type Dim = number | string;
type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

/** An append-only external-data file shared by the graphs of one checkpoint. */
export class ExternalDataFile {
  private fd: number;
  private size = 0;
  readonly location: string;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w', 0o600); // weights: private to the user, as the cache folder is
    this.location = basename(path);
  }

  /** Appends the bytes at the next aligned offset; returns that offset. */
  append(bytes: Uint8Array): number {
    const offset = Math.ceil(this.size / ALIGN) * ALIGN;
    if (offset > this.size) writeSync(this.fd, Buffer.alloc(offset - this.size), 0, offset - this.size, this.size);
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(this.fd, bytes, done, bytes.byteLength - done, offset + done);
    this.size = offset + bytes.byteLength;
    return offset;
  }

  close(): void {
    closeSync(this.fd);
  }
}

export class GraphBuilder {
  private nodes: onnx.INodeProto[] = [];
  private inputs: onnx.IValueInfoProto[] = [];
  private outputs: onnx.IValueInfoProto[] = [];
  private initializers: onnx.ITensorProto[] = [];
  private counter = 0;
  private usesMicrosoft = false;

  constructor(readonly name: string) {}

  private valueInfo(name: string, elemType: number, dims: Dim[]): onnx.IValueInfoProto {
    return {
      name,
      type: {
        tensorType: {
          elemType,
          shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    };
  }

  input(name: string, dims: Dim[], elemType: number = F32): string {
    this.inputs.push(this.valueInfo(name, elemType, dims));
    return name;
  }

  output(value: string, name: string, dims: Dim[], elemType: number = F32): void {
    this.node('Identity', [value], {}, [name]);
    this.outputs.push(this.valueInfo(name, elemType, dims));
  }

  /** A float32 weight stored in the external-data file. */
  weight(name: string, data: Float32Array, dims: number[], file: ExternalDataFile): string {
    return this.rawWeight(name, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dims, F32, file);
  }

  /** Typed raw bytes in the external file (for quantized weights). */
  rawWeight(name: string, bytes: Uint8Array, dims: number[], dataType: number, file: ExternalDataFile): string {
    const offset = file.append(bytes);
    this.initializers.push({
      name,
      dims,
      dataType,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: file.location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.byteLength) },
      ],
    });
    return name;
  }

  constF32(values: number[], dims: number[] = [values.length]): string {
    const name = `const_${this.counter++}`;
    this.initializers.push({ name, dims, dataType: F32, floatData: values });
    return name;
  }

  constI64(values: number[], dims: number[] = [values.length]): string {
    const name = `const_${this.counter++}`;
    this.initializers.push({ name, dims, dataType: I64, int64Data: values });
    return name;
  }

  /** Adds a node; returns its output names (fresh ones unless given). */
  node(
    op: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    outputs?: string[] | number,
    domain?: string,
  ): string[] {
    const outs = Array.isArray(outputs)
      ? outputs
      : Array.from({ length: outputs ?? 1 }, () => `${op.toLowerCase()}_${this.counter++}`);
    if (domain === 'com.microsoft') this.usesMicrosoft = true;
    const attribute: onnx.IAttributeProto[] = Object.entries(attrs).map(([name, v]) => {
      const A = onnx.AttributeProto.AttributeType;
      if (typeof v === 'number')
        return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
      if (typeof v === 'string') return { name, type: A.STRING, s: Buffer.from(v) };
      if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
      if ('float' in v) return { name, type: A.FLOAT, f: v.float };
      return { name, type: A.FLOATS, floats: v.floats };
    });
    this.nodes.push({ opType: op, input: inputs, output: outs, attribute, domain: domain ?? '' });
    return outs;
  }

  /** Shorthand for single-output nodes. */
  op(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, domain?: string): string {
    return this.node(op, inputs, attrs, 1, domain)[0];
  }

  serialize(): Uint8Array {
    const opsetImport: onnx.IOperatorSetIdProto[] = [{ domain: '', version: 17 }];
    if (this.usesMicrosoft) opsetImport.push({ domain: 'com.microsoft', version: 1 });
    const model: onnx.IModelProto = {
      irVersion: 8,
      producerName: 'switchyard',
      opsetImport,
      graph: {
        name: this.name,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}

export const DataType = onnx.TensorProto.DataType;
