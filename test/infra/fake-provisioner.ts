/**
 * A test-only infra provider: named steps with nothing behind them, counters for every run, and knobs to
 * make a step fail, retry, or stop dead (a "crash point") so tests can drive the runtime through every path.
 */
import { randomUUID } from "node:crypto";
import {
  type DeprovisionContext,
  done,
  fail,
  type InfraProviderDefinition,
  retryAfter,
  type StateCodec,
  type Step,
  type StepContext,
  type StepResult,
} from "../../src/infra/steps.ts";

export interface FakeState {
  vmId: string;
  /** Steps that completed, in order, as the provider saw them. */
  completed: string[];
  machineUuid: string;
}

export const fakeStateCodec: StateCodec<FakeState> = {
  empty: () => ({ vmId: "", completed: [], machineUuid: "" }),
  decode: (bytes) => {
    if (bytes.length === 0) return fakeStateCodec.empty();
    return { ...fakeStateCodec.empty(), ...(JSON.parse(Buffer.from(bytes).toString("utf8")) as FakeState) };
  },
  encode: (state) => Buffer.from(JSON.stringify(state), "utf8"),
  toYaml: (state) => JSON.stringify(state),
};

export const FAKE_STEP_NAMES = ["validate", "create-vm", "start-vm", "wait-join", "finish"] as const;

interface Gate {
  reached: Promise<void>;
  release: () => void;
}

export interface FakeProvisionerOptions {
  /** Called by `start-vm`: the test makes the "machine join" Omni (creates the MachineRegistration). */
  onMachineStarted?: (requestId: string, machineUuid: string, kernelArgs: string[]) => void | Promise<void>;
  /** Delay `wait-join` asks for while the machine UUID is not known yet. */
  waitJoinRetryMs?: number;
}

/**
 * @example
 * const fake = new FakeProvisioner({ onMachineStarted: (id, uuid) => sim.machineJoined(...) });
 * createInfraRuntime({ ..., provider: fake.definition });
 */
export class FakeProvisioner {
  /** Every event in order: `run:<step>:<id>`, `done:<step>:<id>`, `deprovision:<id>`, … */
  readonly events: string[] = [];
  readonly runs = new Map<string, number>();
  readonly completions = new Map<string, number>();
  /** `<step>` → how many more times it fails (fail) / asks to retry with a reason (retry). */
  readonly failures = new Map<string, { remaining: number; mode: "fail" | "retry" | "throw"; message: string }>();
  deprovisionFailures = 0;
  deprovisioned: string[] = [];
  healthError: string | undefined;
  /** Requests currently inside a step or deprovision, to catch concurrent processing. */
  readonly active = new Map<string, number>();
  maxConcurrentPerRequest = 0;
  readonly definition: InfraProviderDefinition<FakeState>;

  readonly #gates = new Map<string, Gate>();
  readonly #options: FakeProvisionerOptions;

  constructor(options: FakeProvisionerOptions = {}) {
    this.#options = options;
    const steps: Step<FakeState>[] = FAKE_STEP_NAMES.map((name) => ({
      name,
      run: (ctx) => this.#runStep(name, ctx),
    }));
    this.definition = {
      name: "Fake",
      description: "Test provisioner with no infrastructure behind it",
      icon: "PHN2Zy8+",
      version: "0.0.0-test",
      schema: JSON.stringify({ type: "object", properties: { size: { type: "string" } } }),
      stateCodec: fakeStateCodec,
      steps,
      deprovision: (ctx) => this.#deprovision(ctx),
      healthCheck: async () => this.healthError,
    };
  }

  /** Makes `step` fail the next `times` runs. */
  failStep(step: string, times: number, mode: "fail" | "retry" | "throw" = "fail", message = `${step} exploded`): void {
    this.failures.set(step, { remaining: times, mode, message });
  }

  /**
   * The next run of `step` (for `requestId`, or any request) stops before doing anything and waits until
   * released or aborted. Resolves `reached` when a run gets there.
   */
  blockAt(step: string, requestId = "*"): Gate {
    let reached = () => {};
    const reachedPromise = new Promise<void>((r) => {
      reached = r;
    });
    let release = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    const gate = { reached: reachedPromise, release, _hit: reached, _released: released };
    this.#gates.set(`${step}/${requestId}`, gate as Gate);
    return gate;
  }

  count(map: Map<string, number>, step: string, requestId: string): number {
    return map.get(`${step}/${requestId}`) ?? 0;
  }

  async #runStep(name: string, ctx: StepContext<FakeState>): Promise<StepResult> {
    const id = ctx.requestId;
    this.#enter(id);
    try {
      this.events.push(`run:${name}:${id}`);
      this.#bump(this.runs, `${name}/${id}`);
      const gate = (this.#gates.get(`${name}/${id}`) ?? this.#gates.get(`${name}/*`)) as
        | (Gate & { _hit: () => void; _released: Promise<void> })
        | undefined;
      if (gate) {
        this.#gates.delete(`${name}/${id}`);
        this.#gates.delete(`${name}/*`);
        gate._hit();
        const aborted = new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
        await Promise.race([gate._released, aborted]);
        if (ctx.signal.aborted) return retryAfter(0, "aborted");
      }
      const failure = this.failures.get(name);
      if (failure && failure.remaining > 0) {
        failure.remaining--;
        if (failure.mode === "throw") throw new Error(failure.message);
        return failure.mode === "fail" ? fail(failure.message) : retryAfter(20, failure.message);
      }
      const result = await this.#stepBody(name, ctx);
      if (result.kind === "done") {
        ctx.state.completed.push(name);
        this.events.push(`done:${name}:${id}`);
        this.#bump(this.completions, `${name}/${id}`);
      }
      return result;
    } finally {
      this.#leave(id);
    }
  }

  async #stepBody(name: string, ctx: StepContext<FakeState>): Promise<StepResult> {
    switch (name) {
      case "create-vm":
        ctx.state.vmId = `vm-${ctx.requestId}`;
        ctx.setInfraId(ctx.state.vmId);
        return done();
      case "start-vm": {
        if (!ctx.state.machineUuid) ctx.state.machineUuid = randomUUID();
        await this.#options.onMachineStarted?.(ctx.requestId, ctx.state.machineUuid, ctx.connection.kernelArgs);
        return done();
      }
      case "wait-join":
        return ctx.machineUuid ? done() : retryAfter(this.#options.waitJoinRetryMs ?? 50);
      default:
        return done();
    }
  }

  async #deprovision(ctx: DeprovisionContext<FakeState>): Promise<void> {
    this.#enter(ctx.requestId);
    try {
      this.events.push(`deprovision:${ctx.requestId}`);
      if (this.deprovisionFailures > 0) {
        this.deprovisionFailures--;
        throw new Error(`cannot delete ${ctx.state.vmId}: datastore locked`);
      }
      this.deprovisioned.push(ctx.requestId);
    } finally {
      this.#leave(ctx.requestId);
    }
  }

  #enter(id: string): void {
    const n = (this.active.get(id) ?? 0) + 1;
    this.active.set(id, n);
    this.maxConcurrentPerRequest = Math.max(this.maxConcurrentPerRequest, n);
  }

  #leave(id: string): void {
    this.active.set(id, (this.active.get(id) ?? 1) - 1);
  }

  #bump(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}
