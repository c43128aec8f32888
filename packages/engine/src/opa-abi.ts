/**
 * A module instantiated directly on OPA's WebAssembly ABI (version 1.2 and later), without
 * `@open-policy-agent/opa-wasm`. That SDK loads its YAML and sprintf libraries on import, which
 * costs most of keycard's start-up time, and the built-in IAM library calls none of the
 * built-in functions they implement. Modules that do call some (custom Rego in a bundle) are
 * left to the SDK: {@link instantiateDirect} returns undefined for them.
 */

/** A `WebAssembly.Memory`; the DOM-free TypeScript libs do not declare the type. */
interface Memory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface Exports {
  memory?: unknown;
  opa_wasm_abi_version?: { value: number };
  opa_wasm_abi_minor_version?: { value: number };
  opa_malloc(size: number): number;
  opa_free(address: number): void;
  opa_json_parse(address: number, length: number): number;
  opa_json_dump(value: number): number;
  opa_heap_ptr_get(): number;
  opa_heap_ptr_set(address: number): void;
  builtins(): number;
  entrypoints(): number;
  opa_eval(
    reserved: number,
    entrypoint: number,
    data: number,
    input: number,
    inputLength: number,
    heap: number,
    format: number,
  ): number;
}

const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (descriptor: { initial: number; maximum?: number }) => Memory;
      Instance: new (module: object, imports: object) => { exports: Exports };
    };
  }
).WebAssembly;

const PAGE = 64 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The NUL-terminated UTF-8 text at `address`. */
function textAt(memory: Memory, address: number): string {
  const bytes = new Uint8Array(memory.buffer);
  const end = bytes.indexOf(0, address);
  if (end < 0) throw new Error("the policy module returned unterminated text");
  // A view made by the constructor, not `subarray`: `subarray` asks `Uint8Array[Symbol.species]`
  // which class to make, and one code in the process added would be handed the answer to forge.
  return decoder.decode(new Uint8Array(memory.buffer, address, end - address));
}

/**
 * The state opa-wasm's `LoadedPolicy` keeps, under the same names, so that one evaluation
 * routine ({@link evaluateText}) serves modules loaded either way.
 * @internal
 */
export interface AbiState {
  minorVersion: number;
  mem: Memory;
  wasmInstance: { exports: Pick<Exports, "opa_eval"> };
  dataAddr: number;
  dataHeapPtr: number;
}

/**
 * Evaluates an entrypoint on JSON text and returns the result set's JSON text. The text is
 * written straight into the module's memory after the data (where opa-wasm writes it), and
 * the result's end is found natively rather than byte by byte in JavaScript.
 * @internal
 */
export function evaluateText(state: AbiState, entrypoint: number, input: string): string {
  const memory = state.mem;
  const address = state.dataHeapPtr;
  // UTF-8 takes at most three bytes per UTF-16 code unit.
  const room = address + input.length * 3 - memory.buffer.byteLength;
  if (room > 0) memory.grow(Math.ceil(room / PAGE));
  const { written } = encoder.encodeInto(input, new Uint8Array(memory.buffer, address));
  const result = state.wasmInstance.exports.opa_eval(
    0,
    entrypoint,
    state.dataAddr,
    address,
    written,
    address + written,
    0,
  );
  return textAt(memory, result);
}

/** A directly instantiated module, shaped like opa-wasm's `LoadedPolicy`. @internal */
export interface DirectPolicy extends AbiState {
  entrypoints: Record<string, number>;
  setData(data: unknown): void;
  evaluate(input: unknown, entrypoint?: number | string): Array<{ result: unknown }>;
}

/**
 * Instantiates a compiled module on the OPA ABI, or returns undefined when the module needs
 * what only opa-wasm provides: built-in functions implemented in JavaScript, or an ABI older
 * than 1.2.
 * @internal
 */
export function instantiateDirect(module: object): DirectPolicy | undefined {
  const memory = new wasm.Memory({ initial: 5, maximum: 8192 });
  const unavailable = () => {
    throw new Error("the policy module called a built-in function that is not available");
  };
  const instance = new wasm.Instance(module, {
    env: {
      memory,
      opa_abort: (address: number) => {
        throw new Error(`the policy module aborted: ${textAt(memory, address)}`);
      },
      opa_println: () => {},
      opa_builtin0: unavailable,
      opa_builtin1: unavailable,
      opa_builtin2: unavailable,
      opa_builtin3: unavailable,
      opa_builtin4: unavailable,
    },
  });
  const e = instance.exports;
  const major = e.opa_wasm_abi_version?.value;
  const minor = e.opa_wasm_abi_minor_version?.value ?? 0;
  if (major !== 1 || minor < 2) return undefined;
  const dump = (value: number): unknown => JSON.parse(textAt(memory, e.opa_json_dump(value)));
  const builtins = dump(e.builtins());
  if (typeof builtins !== "object" || builtins === null || Object.keys(builtins).length > 0)
    return undefined;
  const load = (value: unknown): number => {
    const bytes = encoder.encode(JSON.stringify(value));
    const raw = e.opa_malloc(bytes.length);
    new Uint8Array(memory.buffer).set(bytes, raw);
    const parsed = e.opa_json_parse(raw, bytes.length);
    if (parsed === 0) throw new Error("the policy module could not parse the data");
    return parsed;
  };
  const dataAddr = load({});
  const baseHeapPtr = e.opa_heap_ptr_get();
  const entrypoints = dump(e.entrypoints()) as Record<string, number>;
  const policy: DirectPolicy = {
    minorVersion: minor,
    mem: memory,
    wasmInstance: instance,
    dataAddr,
    dataHeapPtr: baseHeapPtr,
    entrypoints,
    setData(data) {
      e.opa_heap_ptr_set(baseHeapPtr);
      policy.dataAddr = load(data);
      policy.dataHeapPtr = e.opa_heap_ptr_get();
    },
    evaluate(input, entrypoint = 0) {
      const id = typeof entrypoint === "number" ? entrypoint : entrypoints[entrypoint];
      if (typeof id !== "number") throw new Error(`entrypoint ${entrypoint} is not valid`);
      const text =
        input instanceof ArrayBuffer ? decoder.decode(input) : (JSON.stringify(input) ?? "");
      return JSON.parse(evaluateText(policy, id, text)) as Array<{ result: unknown }>;
    },
  };
  return policy;
}
