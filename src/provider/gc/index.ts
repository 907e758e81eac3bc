/** Periodic removal of orphaned VMs, cidata images and unreferenced Talos ISOs carrying our marks. */
export { GarbageCollector, type GarbageCollectorOptions } from "./collector.ts";
export { type LiveRequests, readLiveRequests, type SweepOptions, type SweepReport, sweep } from "./sweep.ts";
